"""A code by email (EMAIL_SIGN_IN) is a first factor: a user with two-factor on is still asked for it.

Here rather than in emails/tests/ for the two-factor fixtures.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session
from accounts.tests.helpers import access_cookie, claims_of
from emails.tests.test_sign_in_code import confirm, mailed_code
from mfa import tickets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on(settings):
    settings.EMAIL_SIGN_IN = True


def test_a_user_with_two_factor_is_asked_for_it_then_signed_in(browser, two_factor, mailoutbox, committed):
    code = mailed_code(browser, two_factor.user, mailoutbox, committed)
    response = confirm(browser, code)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "mfa_required"
    assert tickets.COOKIE_NAME in response.cookies
    assert not Session.objects.exists()
    # The emailed code is spent: the second factor is the only way on.
    assert confirm(browser, code).status_code == HTTPStatus.UNAUTHORIZED
    response = browser.post(reverse("mfa:login-mfa"), {"code": two_factor.code()}, format="json")
    assert response.status_code == HTTPStatus.OK, response.content
    assert claims_of(access_cookie(response).value)["amr"] == ["email", "otp"]


def test_an_emailed_code_alone_is_no_second_factor(browser, user, mailoutbox, committed):
    """Its amr is ``email``, never ``otp``: turning two-factor off needs a real second factor."""
    code = mailed_code(browser, user, mailoutbox, committed)
    response = confirm(browser, code)
    assert claims_of(access_cookie(response).value)["amr"] == ["email"]
