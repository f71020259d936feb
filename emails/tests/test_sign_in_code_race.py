"""Racing one emailed sign-in code through a live, threaded server: it signs in once, and dies after five wrong."""

from http import HTTPStatus

import pytest

from accounts.models import Session
from conftest import BrowserClient
from emails import sign_in_codes
from emails.models import SignInCode
from emails.tests.test_sign_in_code import mailed_code
from mfa.tests.test_concurrency import THREADS, race, statuses

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _on(settings):
    settings.EMAIL_SIGN_IN = True
    settings.EMAIL_LINK_RATE_IP = "1000/min"  # the race is the point here, not the rate


def racing_headers(browser: BrowserClient) -> dict:
    csrf = browser.cookies["csrftoken"].value
    binding = browser.cookies[sign_in_codes.COOKIE_NAME].value
    return {"Cookie": f"csrftoken={csrf}; {sign_in_codes.COOKIE_NAME}={binding}", "X-CSRFToken": csrf}


def test_one_code_sent_ten_times_at_once_signs_in_once(live_server, user, mailoutbox, committed):
    browser = BrowserClient()
    code = mailed_code(browser, user, mailoutbox, committed)
    results = race(live_server.url, "/api/auth/login/code/confirm/", {"code": code}, racing_headers(browser))
    assert statuses(results) == [HTTPStatus.OK] + [HTTPStatus.UNAUTHORIZED] * (THREADS - 1), results
    assert Session.objects.count() == 1


def test_ten_wrong_codes_at_once_count_exactly(live_server, user, mailoutbox, committed):
    browser = BrowserClient()
    code = mailed_code(browser, user, mailoutbox, committed)
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    results = race(live_server.url, "/api/auth/login/code/confirm/", {"code": wrong}, racing_headers(browser))
    assert statuses(results) == [HTTPStatus.UNAUTHORIZED] * THREADS, results
    assert not SignInCode.objects.exists()  # five wrong guesses killed it; the rest found none
    assert not Session.objects.exists()
