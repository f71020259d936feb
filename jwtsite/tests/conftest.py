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


@pytest.fixture
def refresh_token(user) -> str:
    """A live refresh token of a second session, for the token endpoints' valid body."""
    return services.session_create(user=user, client=ClientInfo(ip_address="127.0.0.1", user_agent="")).refresh


@pytest.fixture
def world(auth_client, user, post, refresh_token):
    """A signed-in browser, its user, a post of theirs and the endpoints."""
    table = endpoints(user)
    for name in ("token-refresh", "token-blacklist"):
        table[name].valid = {"refresh": refresh_token}
    stored = User.objects.get(pk=user.pk)  # as signed in: link tokens depend on it
    table["password-reset-confirm"].valid["token"] = links.password_reset_token(stored)
    table["password-reset-check"].valid["token"] = links.password_reset_token(stored)
    table["email-verify"].valid["token"] = links.verification_token(stored, stored.email)
    return auth_client, user, post, table
