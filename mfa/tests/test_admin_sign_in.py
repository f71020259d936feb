"""Staff with two-factor on reach the admin only with the second factor (or a passkey), never the password alone.

Driven through the admin's own URLs with a browser-like client: the password
step of /api/auth/login/ sets no auth cookie, so /admin/ still sends the visitor
to sign in; the code (or a recovery code) opens it. A session that started with
the password alone, before two-factor was turned on, is refused with a page
saying why, and signing out from there works.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.admin_forms import forms_of
from accounts.tests.factories import UserFactory
from conftest import BrowserClient
from mfa.tests.conftest import passkey_login, password_step, register_passkey, turn_on_two_factor

pytestmark = pytest.mark.django_db

ADMIN, ADMIN_LOGIN = reverse("admin:index"), reverse("admin:login")
LOGIN_MFA_URL = reverse("mfa:login-mfa")


@pytest.fixture
def staff_user(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_two_factor(staff_user, clock):
    return turn_on_two_factor(staff_user, clock)


def reaches_the_admin(browser: BrowserClient) -> bool:
    response = browser.get(ADMIN)
    if response.status_code == HTTPStatus.OK:
        return True
    assert response.status_code == HTTPStatus.FOUND, response.status_code
    return False


class TestTwoFactorGuardsTheAdmin:
    def test_the_password_alone_reaches_no_admin_page(self, staff_two_factor, browser):
        response = password_step(browser, staff_two_factor.user)
        assert response.json()["code"] == "mfa_required"
        for path in (ADMIN, reverse("admin:accounts_session_changelist"), reverse("admin:accounts_user_changelist")):
            assert browser.get(path).status_code == HTTPStatus.FOUND, path
        assert browser.get(ADMIN_LOGIN)["Location"] == "/login/?next=/admin/"

    def test_the_code_opens_it(self, staff_two_factor, browser):
        password_step(browser, staff_two_factor.user)
        response = browser.post(LOGIN_MFA_URL, {"code": staff_two_factor.code()}, format="json")
        assert response.status_code == HTTPStatus.OK
        assert reaches_the_admin(browser)

    def test_a_recovery_code_opens_it(self, staff_two_factor, browser):
        password_step(browser, staff_two_factor.user)
        response = browser.post(LOGIN_MFA_URL, {"code": staff_two_factor.recovery_codes[0]}, format="json")
        assert response.status_code == HTTPStatus.OK
        assert reaches_the_admin(browser)

    def test_a_wrong_code_counts_toward_the_ceiling_and_opens_nothing(self, staff_two_factor, browser, audit_lines):
        password_step(browser, staff_two_factor.user)
        response = browser.post(LOGIN_MFA_URL, {"code": "000000"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert not reaches_the_admin(browser)
        assert [line["event"] for line in audit_lines() if line["event"] == "second_factor_failed"]

    def test_a_session_signed_in_before_two_factor_was_turned_on_is_refused(self, staff_user, clock):
        browser = BrowserClient()
        browser.login_as(staff_user)
        assert reaches_the_admin(browser)
        turn_on_two_factor(staff_user, clock)  # the password-only session lives on (until issue 19's rule ends it)
        assert not reaches_the_admin(browser)
        refused = browser.get(ADMIN_LOGIN)
        assert refused.status_code == HTTPStatus.FORBIDDEN
        assert "with your password alone" in refused.content.decode()
        (sign_out,) = [form for form in forms_of(refused.content.decode()) if form.attributes.get("action")]
        response = browser.post(
            sign_out.attributes["action"], {"csrfmiddlewaretoken": sign_out.data["csrfmiddlewaretoken"]}
        )
        assert response["Location"] == "/login/?next=/admin/"
        assert browser.post(reverse("accounts:refresh")).status_code == HTTPStatus.UNAUTHORIZED

    def test_a_passkey_is_both_factors(self, staff_user, clock, authenticator):
        browser = BrowserClient()
        browser.login_as(staff_user)
        register_passkey(browser, authenticator)
        turn_on_two_factor(staff_user, clock)
        fresh = BrowserClient()
        assert passkey_login(fresh, authenticator).status_code == HTTPStatus.OK
        assert reaches_the_admin(fresh)
