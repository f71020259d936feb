"""The bad-input tests' world: a signed-in browser, its user, a post of theirs, each endpoint's valid body."""

import pytest

from accounts import services
from accounts.client import ClientInfo
from accounts.models import User
from emails import links
from jwtsite.tests.bad_input import endpoints
from posts.models import Post


@pytest.fixture
def post(user) -> Post:
    return Post.objects.create(author=user, title="original", body="original body")


TOKEN_ENDPOINTS = ("token-refresh", "token-blacklist")


@pytest.fixture
def world(request, session_holder, user, post):
    """A signed-in browser, its user, a post of theirs and the endpoints.

    The token endpoints' valid body is a live refresh token of a second session,
    made only for the tests of those endpoints (``name``).
    """
    table = endpoints(user)
    callspec = getattr(request.node, "callspec", None)
    if callspec is None or callspec.params.get("name", TOKEN_ENDPOINTS[0]) in TOKEN_ENDPOINTS:
        refresh = services.session_create(user=user, client=ClientInfo(ip_address="127.0.0.1", user_agent="")).refresh
        for name in TOKEN_ENDPOINTS:
            table[name].valid = {"refresh": refresh}
    stored = User.objects.get(pk=user.pk)  # as signed in: link tokens depend on it
    table["password-reset-confirm"].valid["token"] = links.password_reset_token(stored)
    table["password-reset-check"].valid["token"] = links.password_reset_token(stored)
    table["email-verify"].valid["token"] = links.verification_token(stored, stored.email)
    return session_holder, user, post, table
