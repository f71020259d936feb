"""Staff sign in to the admin like everyone else: through /login/, and the admin session is an ordinary session.

``/admin/login/`` has no password form: a signed-out visitor goes to
``/login/?next=`` and comes back. The admin reads the access cookie through the
API's own verification and revocation check, so whatever ends a session (its
revocation from another device, logging out everywhere, a password reset, the
access token's expiry) ends the admin session too. (Two-factor: mfa/tests/test_admin_sign_in.py.)
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from accounts.tests.admin_forms import StaffBrowser, forms_of
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import claims_of, sign
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
SESSIONS_ADMIN = reverse("admin:accounts_session_changelist")


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff(staff_user) -> StaffBrowser:
    browser = StaffBrowser()
    assert browser.sign_in(staff_user).status_code == HTTPStatus.OK
    return browser


def session_of(browser) -> Session:
    return Session.objects.get(pk=claims_of(browser.cookies["__Host-access_token"].value)["sid"])


def goes_to_sign_in(response, next_path: str = ADMIN) -> bool:
    return response.status_code == HTTPStatus.FOUND and response["Location"] == f"/login/?next={next_path}"


class TestSigningIn:
    def test_signed_out_the_admin_sends_you_to_the_sites_sign_in_and_back(self):
        client = Client()
        first = client.get(SESSIONS_ADMIN + "?state=live")
        assert first.status_code == HTTPStatus.FOUND
        assert first["Location"] == f"{ADMIN_LOGIN}?next=/admin/accounts/session/%3Fstate%3Dlive"
        second = client.get(first["Location"])
        assert goes_to_sign_in(second, "/admin/accounts/session/%3Fstate%3Dlive")

    @pytest.mark.parametrize(
        "next_path",
        ["//evil.example/admin/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "admin/"],
    )
    def test_next_never_leaves_the_site(self, next_path):
        assert goes_to_sign_in(Client().get(ADMIN_LOGIN, {"next": next_path}))

    def test_the_admin_has_no_password_form_of_its_own(self, staff_user):
        client = Client(enforce_csrf_checks=True)
        page = client.get(reverse("pages:login"))
        response = client.post(
            ADMIN_LOGIN,
            {
                "username": staff_user.username,
                "password": DEFAULT_PASSWORD,
                "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
            },
        )
        assert goes_to_sign_in(response)
        assert not any(name.endswith("access_token") for name in client.cookies)
        assert client.get(ADMIN).status_code == HTTPStatus.FOUND

    def test_signed_in_through_the_site_staff_reach_the_admin(self, staff):
        assert staff.get(ADMIN).status_code == HTTPStatus.OK
        back = staff.get(ADMIN_LOGIN, {"next": SESSIONS_ADMIN})
        assert (back.status_code, back["Location"]) == (HTTPStatus.FOUND, SESSIONS_ADMIN)

    def test_an_authorization_header_is_not_an_admin_session(self, staff_user):
        tokens = BrowserClient().post(
            reverse("accounts:token"), {"username": staff_user.username, "password": DEFAULT_PASSWORD}, format="json"
        )
        response = Client().get(ADMIN, HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
        assert response.status_code == HTTPStatus.FOUND

    def test_there_is_no_django_session_at_all(self, staff):
        staff.get(ADMIN)
        staff.get(SESSIONS_ADMIN)
        assert "sessionid" not in staff.cookies

    def test_pages_and_the_api_pay_nothing_for_it(self, auth_client, django_assert_num_queries):
        """``request.user`` is read from the cookie only when something asks (the admin): pages ask nothing."""
        with django_assert_num_queries(0):
            assert auth_client.get(reverse("pages:home")).status_code == HTTPStatus.OK
            assert auth_client.get(reverse("pages:sessions")).status_code == HTTPStatus.OK
        with django_assert_num_queries(1):  # the API's own authentication: the user row
            assert auth_client.get(reverse("accounts:me")).status_code == HTTPStatus.OK

    def test_one_query_for_the_user_per_admin_request(self, staff, django_assert_num_queries):
        with django_assert_num_queries(1):  # the user row; the index lists no rows
            assert staff.get(reverse("admin:app_list", args=["posts"])).status_code == HTTPStatus.OK


class TestWhoIsRefused:
    def test_a_signed_in_user_who_is_not_staff_is_told_so_without_a_loop(self, auth_client, user):
        to_login = auth_client.get(ADMIN)
        assert (to_login.status_code, to_login["Location"]) == (HTTPStatus.FOUND, f"{ADMIN_LOGIN}?next=/admin/")
        refused = auth_client.get(to_login["Location"])
        assert refused.status_code == HTTPStatus.FORBIDDEN
        page = refused.content.decode()
        assert f"You are signed in as <strong>{user.username}</strong>, who may not use the admin." in page
        sign_out = [form for form in forms_of(page) if form.attributes.get("action") == reverse("admin:logout")]
        assert sign_out, "the page offers to sign out and in as someone else"

    def test_a_deactivated_staff_member_is_signed_out(self, staff, staff_user):
        type(staff_user).objects.filter(pk=staff_user.pk).update(is_active=False)
        assert staff.get(ADMIN).status_code == HTTPStatus.FOUND

    def test_staff_rights_are_read_on_every_request(self, staff, staff_user):
        assert staff.get(ADMIN).status_code == HTTPStatus.OK
        type(staff_user).objects.filter(pk=staff_user.pk).update(is_staff=False)
        assert staff.get(ADMIN).status_code == HTTPStatus.FOUND

    def test_a_forged_or_expired_token_is_no_one(self, staff, staff_user):
        claims = claims_of(staff.cookies["__Host-access_token"].value)
        expired = sign({**claims, "exp": int((timezone.now() - timedelta(minutes=1)).timestamp())})
        forged = sign({**claims, "user_id": staff_user.pk}, key="not-the-signing-key-of-this-site-at-all")
        for token in (expired, forged, "not.a.token"):
            client = Client()
            client.cookies["__Host-access_token"] = token
            assert client.get(ADMIN).status_code == HTTPStatus.FOUND, token


class TestTheAdminSessionIsAnOrdinarySession:
    def test_it_is_on_the_device_list(self, staff):
        session = session_of(staff)
        listed = BrowserClient()
        listed.cookies = staff.cookies
        rows = listed.get(reverse("accounts:sessions")).json()
        assert [(row["id"], row["current"]) for row in rows] == [(str(session.pk), True)]

    def test_revoking_it_from_another_device_ends_it(self, staff, staff_user, committed):
        phone = BrowserClient()
        phone.login_as(staff_user)
        with committed():
            assert phone.delete(reverse("accounts:session-detail", args=[session_of(staff).pk])).status_code == 204
        assert staff.get(ADMIN).status_code == HTTPStatus.FOUND

    def test_logging_out_everywhere_ends_it(self, staff, staff_user, committed):
        phone = BrowserClient()
        phone.login_as(staff_user)
        with committed():
            assert phone.post(reverse("accounts:logout-all")).status_code == HTTPStatus.NO_CONTENT
        assert staff.get(ADMIN).status_code == HTTPStatus.FOUND

    def test_a_password_reset_ends_it(self, staff, staff_user, committed):
        from emails import links

        with committed():
            response = BrowserClient().post(
                reverse("emails:password-reset-confirm"),
                {
                    "token": links.password_reset_token(type(staff_user).objects.get(pk=staff_user.pk)),
                    "new_password": "a-brand-new-passphrase",
                },
                format="json",
            )
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert staff.get(ADMIN).status_code == HTTPStatus.FOUND


class TestSigningOut:
    def test_log_out_revokes_the_session_and_clears_the_cookies(self, staff, committed):
        session = session_of(staff)
        with committed():
            response = staff.submit(ADMIN, form="logout-form", follow=False)
        assert goes_to_sign_in(response)
        assert Session.objects.get(pk=session.pk).revoked_at is not None
        for name in ("__Host-access_token", "__Secure-refresh_token"):
            assert response.cookies[name].value == ""
            assert response.cookies[name]["max-age"] == 0
        assert response.cookies["__Secure-refresh_token"]["path"] == "/api/auth/"

    def test_only_by_post(self, staff):
        assert staff.get(reverse("admin:logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert session_of(staff).revoked_at is None

    def test_without_a_csrf_token_nothing_happens(self, staff):
        assert staff.post(reverse("admin:logout")).status_code == HTTPStatus.FORBIDDEN
        assert session_of(staff).revoked_at is None

    def test_change_password_is_the_account_pages(self, staff):
        response = staff.get(reverse("admin:password_change"))
        assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, reverse("pages:account"))
