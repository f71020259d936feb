"""The admin: revoking sessions, searching and filtering them, and never showing a token."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session, User
from accounts.tests.helpers import access_cookie, refresh_cookie
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

SESSIONS_ADMIN = reverse("admin:accounts_session_changelist")
USERS_ADMIN = reverse("admin:accounts_user_changelist")
ME_URL = reverse("accounts:me")
REFRESH_URL = reverse("accounts:refresh")


def signed_in(user, user_agent: str = "Test browser") -> BrowserClient:
    client = BrowserClient()
    client.login_as(user, HTTP_USER_AGENT=user_agent)
    return client


def tokens_of(client: BrowserClient) -> list[str]:
    """The access and refresh tokens a signed-in browser holds, and their signatures on their own."""
    raw = [morsel.value for name, morsel in client.cookies.items() if name.endswith(("access_token", "refresh_token"))]
    return [*raw, *(token.rsplit(".", 1)[1] for token in raw)]


def run_action(admin_client, changelist: str, action: str, ids) -> object:
    return admin_client.post(changelist, {"action": action, "_selected_action": [str(pk) for pk in ids]}, follow=True)


def listed(response) -> set:
    return set(response.context["cl"].result_list)


class TestSessionAdmin:
    def test_lists_user_created_last_used_ip_user_agent_and_state(self, admin_client, user):
        signed_in(user, "Firefox on a laptop")
        response = admin_client.get(SESSIONS_ADMIN)
        assert response.status_code == HTTPStatus.OK
        content = response.content.decode()
        for expected in (user.username, "Firefox on a laptop", "127.0.0.1", "live"):
            assert expected in content
        columns = response.context["cl"].list_display
        assert {"user", "state", "created_at", "last_used_at", "ip_address", "user_agent"} <= set(columns)

    def test_offers_revoke_selected_sessions(self, admin_client, user):
        signed_in(user)
        response = admin_client.get(SESSIONS_ADMIN)
        assert '<option value="revoke_sessions">Revoke selected sessions</option>' in response.content.decode()

    def test_searches_by_username(self, admin_client, user, other_user):
        signed_in(user)
        signed_in(other_user)
        response = admin_client.get(SESSIONS_ADMIN, {"q": user.username})
        assert listed(response) == set(Session.objects.filter(user=user))

    @pytest.mark.parametrize("state", ["live", "revoked", "expired"])
    def test_filters_by_state(self, admin_client, user, state):
        for name in ("live", "revoked", "expired"):
            signed_in(user, name)
        Session.objects.filter(user_agent="revoked").update(revoked_at=timezone.now())
        Session.objects.filter(user_agent="expired").update(expires_at=timezone.now() - timedelta(seconds=1))
        response = admin_client.get(SESSIONS_ADMIN, {"state": state})
        assert [session.user_agent for session in listed(response)] == [state]

    def test_revoke_selected_sessions_kills_their_refresh_tokens(self, admin_client, user):
        laptop, phone = signed_in(user, "laptop"), signed_in(user, "phone")
        target = Session.objects.get(user_agent="phone")

        response = run_action(admin_client, SESSIONS_ADMIN, "revoke_sessions", [target.pk])

        assert response.status_code == HTTPStatus.OK
        assert "Revoked 1 session(s)." in response.content.decode()
        target.refresh_from_db()
        assert target.revoked_at is not None
        assert Session.objects.get(user_agent="laptop").revoked_at is None
        refused = phone.post(REFRESH_URL)
        assert refused.status_code == HTTPStatus.UNAUTHORIZED
        assert refused.json()["code"] == "session_revoked"
        assert laptop.post(REFRESH_URL).status_code == HTTPStatus.OK

    def test_cannot_add_or_edit_sessions(self, admin_client, user):
        signed_in(user)
        session = Session.objects.get()
        assert admin_client.get(reverse("admin:accounts_session_add")).status_code == HTTPStatus.FORBIDDEN
        change_url = reverse("admin:accounts_session_change", args=[session.pk])
        response = admin_client.post(change_url, {"user_agent": "forged"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        session.refresh_from_db()
        assert session.user_agent == "Test browser"


class TestUserAdmin:
    def test_offers_log_out_everywhere(self, admin_client, user):
        response = admin_client.get(USERS_ADMIN)
        assert '<option value="revoke_all_sessions">Log out everywhere</option>' in response.content.decode()

    def test_log_out_everywhere_rejects_issued_access_tokens_on_the_next_request(self, admin_client, user, other_user):
        laptop, phone, bystander = signed_in(user, "laptop"), signed_in(user, "phone"), signed_in(other_user)
        assert laptop.get(ME_URL).status_code == HTTPStatus.OK
        version = user.token_version

        response = run_action(admin_client, USERS_ADMIN, "revoke_all_sessions", [user.pk])

        assert "Logged out 1 user(s) everywhere; 2 session(s) revoked." in response.content.decode()
        assert not Session.objects.filter(user=user).live().exists()
        assert User.objects.get(pk=user.pk).token_version == version + 1
        for device in (laptop, phone):
            rejected = device.get(ME_URL)
            assert rejected.status_code == HTTPStatus.UNAUTHORIZED
            assert rejected.json() == {"detail": "Token has been revoked.", "code": "token_revoked"}
            assert device.post(REFRESH_URL).status_code == HTTPStatus.UNAUTHORIZED
        assert bystander.get(ME_URL).status_code == HTTPStatus.OK
        assert bystander.post(REFRESH_URL).status_code == HTTPStatus.OK

    def test_shows_the_users_sessions_inline(self, admin_client, user):
        signed_in(user, "Safari on a phone")
        response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
        assert response.status_code == HTTPStatus.OK
        assert "Safari on a phone" in response.content.decode()


class TestNoTokenOnAnyAdminPage:
    def test_session_and_user_pages_show_no_token(self, admin_client, user):
        devices = [signed_in(user, "laptop"), signed_in(user, "phone")]
        devices[1].post(REFRESH_URL)  # a rotated chain too: blacklisted and current tokens
        secrets = [secret for device in devices for secret in tokens_of(device)]
        assert len(secrets) == 8
        session = Session.objects.filter(user=user).first()

        pages = [
            SESSIONS_ADMIN,
            f"{SESSIONS_ADMIN}?q={user.username}",
            reverse("admin:accounts_session_change", args=[session.pk]),
            USERS_ADMIN,
            reverse("admin:accounts_user_change", args=[user.pk]),
            reverse("admin:index"),
        ]
        for page in pages:
            response = admin_client.get(page)
            assert response.status_code == HTTPStatus.OK, page
            content = response.content.decode()
            for secret in secrets:
                assert secret not in content, page

    @pytest.mark.parametrize(
        "path",
        [
            "/admin/token_blacklist/",
            "/admin/token_blacklist/outstandingtoken/",
            "/admin/token_blacklist/outstandingtoken/1/change/",
            "/admin/token_blacklist/blacklistedtoken/",
        ],
    )
    def test_simplejwt_token_admins_are_gone(self, admin_client, auth_client, path):
        assert admin_client.get(path).status_code == HTTPStatus.NOT_FOUND

    def test_the_cookie_helpers_see_both_tokens(self, auth_client):
        # Guards the test above: it must be looking at real token strings.
        response = auth_client.post(REFRESH_URL)
        assert access_cookie(response).value.count(".") == 2
        assert refresh_cookie(response).value.count(".") == 2


class TestDevicesAndVerification:
    def test_sessions_name_their_device_as_the_api_does(self, admin_client, user):
        signed_in(user, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
        assert "Firefox 128 on Windows" in admin_client.get(SESSIONS_ADMIN).content.decode()
        user_page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
        assert "Firefox 128 on Windows" in user_page

    def test_email_verified_shows_and_can_be_set(self, admin_client, user):
        page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
        assert 'name="email_verified"' in page
        changelist = admin_client.get(reverse("admin:accounts_user_changelist"))
        assert "email_verified" in changelist.context["cl"].list_display
