"""The admin's pages: what the session list, a session and a user show, how they filter and search, and never a token.

Revoking through them is in test_admin_revocation.py; signing in, in
test_admin_sign_in.py; how they look at 1280 and 1024 px, in e2e/test_admin.py.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Session
from accounts.tests.admin_forms import link
from accounts.tests.helpers import access_cookie, refresh_cookie
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

SESSIONS_ADMIN = reverse("admin:accounts_session_changelist")
USERS_ADMIN = reverse("admin:accounts_user_changelist")
REFRESH_URL = reverse("accounts:refresh")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


def signed_in(user, user_agent: str = "Test browser", ip: str = "127.0.0.1") -> BrowserClient:
    client = BrowserClient()
    client.login_as(user, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    return client


def tokens_of(client: BrowserClient) -> list[str]:
    """The access and refresh tokens a signed-in browser holds, and their signatures on their own."""
    raw = [morsel.value for name, morsel in client.cookies.items() if name.endswith(("access_token", "refresh_token"))]
    return [*raw, *(token.rsplit(".", 1)[1] for token in raw)]


def listed(response) -> set:
    return set(response.context["cl"].result_list)


def sessions_of(response, user) -> set:
    return {session for session in listed(response) if session.user_id == user.pk}


class TestSessionList:
    def test_one_short_row_per_session(self, admin_client, user):
        signed_in(user, FIREFOX, "198.51.100.7")
        session = Session.objects.get(user=user)
        response = admin_client.get(SESSIONS_ADMIN)
        assert response.status_code == HTTPStatus.OK
        assert response.context["cl"].list_display == [
            "action_checkbox",
            "session",
            "user_link",
            "state",
            "device",
            "ip_address",
            "last_used",
            "created",
        ]
        page = response.content.decode()
        for shown in (user.username, "Firefox 128 on Windows", "198.51.100.7", session.short_id, "just now"):
            assert shown in page
        assert '<span class="badge badge-live">live</span>' in page
        assert FIREFOX not in page  # the full user agent is on the session's own page

    def test_two_sessions_of_one_browser_are_told_apart_by_their_id(self, admin_client, user):
        signed_in(user, CHROME)
        signed_in(user, CHROME)
        page = admin_client.get(f"{SESSIONS_ADMIN}?user={user.pk}").content.decode()
        assert page.count("Chrome 126 on Linux") == 2
        for session in Session.objects.filter(user=user):
            assert f">{session.short_id}</code>" in page

    @pytest.mark.parametrize("state", ["live", "revoked", "expired"])
    def test_state_is_a_badge_and_a_filter(self, admin_client, user, state):
        for name in ("live", "revoked", "expired"):
            signed_in(user, name)
        Session.objects.filter(user_agent="revoked").update(revoked_at=timezone.now())
        Session.objects.filter(user_agent="expired").update(expires_at=timezone.now() - timedelta(seconds=1))
        response = admin_client.get(link(admin_client.get(SESSIONS_ADMIN), state.capitalize()))
        assert [session.user_agent for session in sessions_of(response, user)] == [state]
        assert f'<span class="badge badge-{state}">{state}</span>' in response.content.decode()

    @pytest.mark.parametrize("term", ["{username}", "{email}", "198.51.100", "{short_id}"])
    def test_searches_by_username_email_ip_and_id(self, admin_client, user, other_user, term):
        signed_in(user, ip="198.51.100.7")
        signed_in(other_user, ip="203.0.113.9")
        session = Session.objects.get(user=user)
        query = term.format(username=user.username, email=user.email, short_id=session.short_id)
        assert listed(admin_client.get(SESSIONS_ADMIN, {"q": query})) == {session}

    def test_a_search_for_anything_else_finds_nothing_and_breaks_nothing(self, admin_client, user):
        signed_in(user)
        for term in ("no such person", "not-an-ip::", "zz", "%", "1.2.3.4.5"):
            response = admin_client.get(SESSIONS_ADMIN, {"q": term})
            assert response.status_code == HTTPStatus.OK
            assert not sessions_of(response, user)

    def test_clicking_a_user_shows_only_their_sessions(self, admin_client, user, other_user):
        signed_in(user)
        signed_in(other_user)
        response = admin_client.get(link(admin_client.get(SESSIONS_ADMIN), user.username))
        assert listed(response) == set(Session.objects.filter(user=user))
        assert user.username in response.content.decode()  # the filter says who

    def test_an_unknown_user_filter_lists_nothing(self, admin_client, user):
        signed_in(user)
        for value in ("999999", "abc"):
            response = admin_client.get(SESSIONS_ADMIN, {"user": value})
            assert response.status_code == HTTPStatus.OK
            assert listed(response) == set()

    def test_filters_by_when_last_used(self, admin_client, user):
        signed_in(user, "today")
        signed_in(user, "long ago")
        Session.objects.filter(user_agent="long ago").update(last_used_at=timezone.now() - timedelta(days=60))
        today = admin_client.get(link(admin_client.get(SESSIONS_ADMIN), "Today"))
        assert [session.user_agent for session in sessions_of(today, user)] == ["today"]

    def test_offers_revoke_selected_sessions(self, admin_client, user):
        signed_in(user)
        response = admin_client.get(SESSIONS_ADMIN)
        assert '<option value="revoke_sessions">Revoke selected sessions</option>' in response.content.decode()

    @pytest.mark.parametrize("count", [2, 40])
    def test_a_constant_number_of_queries(self, admin_client, user, count, django_assert_max_num_queries):
        for _ in range(count):
            services.session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent=CHROME))
        # The staff member, the count, the rows with their users, the dates for the drill-down.
        with django_assert_max_num_queries(6):
            assert admin_client.get(SESSIONS_ADMIN).status_code == HTTPStatus.OK

    def test_cannot_add_or_edit_sessions(self, admin_client, user):
        signed_in(user)
        session = Session.objects.get(user=user)
        assert admin_client.get(reverse("admin:accounts_session_add")).status_code == HTTPStatus.FORBIDDEN
        change_url = reverse("admin:accounts_session_change", args=[session.pk])
        response = admin_client.post(change_url, {"user_agent": "forged"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        session.refresh_from_db()
        assert session.user_agent == "Test browser"


class TestSessionPage:
    def test_shows_everything_and_offers_revoke(self, admin_client, user):
        signed_in(user, FIREFOX)
        session = Session.objects.get(user=user)
        page = admin_client.get(reverse("admin:accounts_session_change", args=[session.pk])).content.decode()
        for shown in (FIREFOX, "Firefox 128 on Windows", str(session.pk), "password", "badge-live"):
            assert shown in page
        assert reverse("admin:accounts_session_revoke", args=[session.pk]) in page
        assert reverse("admin:accounts_session_delete", args=[session.pk]) in page
        assert f"{reverse('admin:accounts_auditevent_changelist')}?session={session.pk}" in page

    def test_an_ended_session_offers_no_revoke(self, admin_client, user):
        signed_in(user)
        session = Session.objects.get(user=user)
        Session.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
        page = admin_client.get(reverse("admin:accounts_session_change", args=[session.pk])).content.decode()
        assert reverse("admin:accounts_session_revoke", args=[session.pk]) not in page
        response = admin_client.get(reverse("admin:accounts_session_revoke", args=[session.pk]), follow=True)
        assert "This session has already ended." in response.content.decode()


class TestUserPage:
    def test_shows_the_users_sessions_inline_with_their_state_and_a_revoke_link(self, admin_client, user):
        signed_in(user, "Safari on a phone")
        signed_in(user, FIREFOX)
        ended = Session.objects.get(user=user, user_agent="Safari on a phone")
        Session.objects.filter(pk=ended.pk).update(revoked_at=timezone.now())
        live = Session.objects.get(user=user, user_agent=FIREFOX)
        page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
        assert "Firefox 128 on Windows" in page
        assert "badge-live" in page
        assert "badge-revoked" in page
        assert reverse("admin:accounts_session_revoke", args=[live.pk]) in page
        assert reverse("admin:accounts_session_revoke", args=[ended.pk]) not in page

    def test_shows_the_twenty_most_recently_used_and_links_to_the_rest(self, admin_client, user):
        for _ in range(25):
            services.session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent=CHROME))
        response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
        sessions = next(inline for inline in response.context["inline_admin_formsets"] if inline.opts.model is Session)
        assert len(sessions.formset.forms) == 20
        assert f"{SESSIONS_ADMIN}?user={user.pk}" in response.content.decode()

    def test_offers_log_out_everywhere_and_the_two_factor_status(self, admin_client, user):
        page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
        assert reverse("admin:accounts_user_log_out_everywhere", args=[user.pk]) in page
        assert "Passkeys and two-factor" in page

    def test_offers_log_out_everywhere_as_a_bulk_action(self, admin_client, user):
        response = admin_client.get(USERS_ADMIN)
        assert '<option value="revoke_all_sessions">Log out everywhere</option>' in response.content.decode()

    def test_email_verified_shows_and_can_be_set(self, admin_client, user):
        page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
        assert 'name="email_verified"' in page
        changelist = admin_client.get(USERS_ADMIN)
        assert "email_verified" in changelist.context["cl"].list_display


class TestNoTokenOnAnyAdminPage:
    def test_no_page_shows_a_token(self, admin_client, user):
        devices = [signed_in(user, "laptop"), signed_in(user, "phone")]
        devices[1].post(REFRESH_URL)  # a rotated chain too: blacklisted and current tokens
        secrets = [secret for device in devices for secret in tokens_of(device)]
        secrets += tokens_of(admin_client)
        assert len(secrets) == 12
        session = Session.objects.filter(user=user).first()

        pages = [
            SESSIONS_ADMIN,
            f"{SESSIONS_ADMIN}?q={user.username}",
            reverse("admin:accounts_session_change", args=[session.pk]),
            reverse("admin:accounts_session_revoke", args=[session.pk]),
            reverse("admin:accounts_session_delete", args=[session.pk]),
            USERS_ADMIN,
            reverse("admin:accounts_user_change", args=[user.pk]),
            reverse("admin:accounts_user_log_out_everywhere", args=[user.pk]),
            reverse("admin:auth_user_password_change", args=[user.pk]),
            reverse("admin:accounts_user_delete", args=[user.pk]),
            reverse("admin:accounts_auditevent_changelist"),
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
