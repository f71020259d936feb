"""Signing in with a code by email (EMAIL_SIGN_IN): ask, read the mail, confirm from the same browser."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Session, User
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import access_cookie, claims_of
from conftest import BrowserClient
from emails import sign_in_codes
from emails.models import SignInCode

pytestmark = pytest.mark.django_db

REQUEST_URL = reverse("emails:sign-in-code")
CONFIRM_URL = reverse("emails:sign-in-code-confirm")
ME_URL = reverse("accounts:me")
ACCEPTED = {"detail": "If an account uses that address, a sign-in code is on its way. Enter it in this browser."}
CODE = re.compile(r"\b([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})\b")
CODE_INVALID = "code_invalid"


@pytest.fixture(autouse=True)
def _on(settings):
    settings.EMAIL_SIGN_IN = True


def ask(client, email: str, committed):
    with committed():
        return client.post(REQUEST_URL, {"email": email}, format="json")


def code_in(message) -> str:
    codes = set(CODE.findall(message.body)) | set(CODE.findall(message.alternatives[0][0]))
    assert len(codes) == 1, codes  # the same code in both parts
    return codes.pop()


def confirm(client, code: str, **data):
    return client.post(CONFIRM_URL, {"code": code, **data}, format="json")


def mailed_code(client, user, mailoutbox, committed) -> str:
    assert ask(client, user.email, committed).status_code == HTTPStatus.ACCEPTED
    return code_in(mailoutbox[-1])


@pytest.fixture
def events(audit_lines):
    """``events(name)``: the audit lines of that event so far."""
    return lambda name: [line for line in audit_lines() if line["event"] == name]


class TestRequest:
    def test_a_known_address_gets_a_code_by_mail(self, browser, user, mailoutbox, committed, events):
        response = ask(browser, user.email, committed)
        assert response.status_code == HTTPStatus.ACCEPTED
        assert response.json() == ACCEPTED
        cookie = response.cookies[sign_in_codes.COOKIE_NAME]
        assert cookie["httponly"]
        assert cookie["path"] == "/api/auth/login/code/"
        assert int(cookie["max-age"]) == 600
        (message,) = mailoutbox
        assert message.to == [user.email]
        assert "Your sign-in code" in message.subject
        code = code_in(message)
        assert "10 minutes" in message.body
        # Neither the code nor the browser's secret is stored.
        (row,) = SignInCode.objects.all()
        assert row.user == user
        assert code.replace("-", "") not in (row.code_digest, row.binding)
        assert cookie.value not in (row.code_digest, row.binding)
        assert len(events("sign_in_code_requested")) == 1

    @pytest.mark.parametrize("case", ["unknown", "inactive"])
    def test_unknown_and_inactive_addresses_get_the_same_answer_and_cookie_and_no_mail(
        self, browser, user, mailoutbox, committed, case, clock
    ):
        clock.set(clock.now, tick=False)  # both answers in the same second: the cookies' expiry compares equal
        email = "nobody@example.com"
        if case == "inactive":
            UserFactory(email=email, is_active=False)
        known = ask(BrowserClient(), user.email, committed)
        response = ask(browser, email, committed)
        assert response.status_code == known.status_code == HTTPStatus.ACCEPTED
        assert response.json() == known.json() == ACCEPTED
        theirs, ours = known.cookies[sign_in_codes.COOKIE_NAME], response.cookies[sign_in_codes.COOKIE_NAME]
        assert {k: theirs[k] for k in theirs} == {k: ours[k] for k in ours}
        assert len(ours.value) == len(theirs.value)
        assert [m.to for m in mailoutbox] == [[user.email]]

    def test_the_request_reads_nothing_and_does_the_same_for_any_address(self, browser, user):
        statements = {}
        for email in (user.email, "nobody@example.com"):
            with CaptureQueriesContext(connection) as queries:
                browser.post(REQUEST_URL, {"email": email}, format="json")
            statements[email] = [q["sql"].split()[0] for q in queries]
            assert not [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        assert statements[user.email] == statements["nobody@example.com"]

    @pytest.mark.parametrize(
        "body", [{}, {"email": ""}, {"email": "not-an-address"}, {"email": ["a@b.c"]}, {"email": "x" * 300 + "@e.com"}]
    )
    def test_bad_input_is_400_and_sends_nothing(self, browser, mailoutbox, committed, body):
        with committed():
            response = browser.post(REQUEST_URL, body, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "email" in response.json()
        assert sign_in_codes.COOKIE_NAME not in response.cookies
        assert mailoutbox == []

    def test_throttled_per_address_however_spelled(self, browser, user, settings, committed, mailoutbox):
        settings.PASSWORD_RESET_RATE_EMAIL = "2/hour"
        for _ in range(2):
            assert ask(BrowserClient(), user.email, committed).status_code == HTTPStatus.ACCEPTED
        response = ask(browser, user.email.upper(), committed)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) > 0
        assert len(mailoutbox) == 2

    def test_throttled_per_ip(self, browser, settings, committed):
        settings.PASSWORD_RESET_RATE_IP = "3/hour"
        for n in range(3):
            assert ask(browser, f"someone{n}@example.com", committed).status_code == HTTPStatus.ACCEPTED
        response = ask(browser, "another@example.com", committed)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Retry-After" in response


class TestConfirm:
    def test_the_code_from_the_same_browser_signs_in(self, browser, user, mailoutbox, committed, events):
        code = mailed_code(browser, user, mailoutbox, committed)
        response = confirm(browser, code.lower().replace("-", " "))  # however it is typed
        assert response.status_code == HTTPStatus.OK, response.content
        assert response.json()["user"]["username"] == user.username
        claims = claims_of(access_cookie(response).value)
        assert claims["amr"] == ["email"]
        assert response.cookies[sign_in_codes.COOKIE_NAME].value == ""  # the binding goes
        assert browser.get(ME_URL).status_code == HTTPStatus.OK
        assert Session.objects.get(user=user).amr == "email"
        assert not SignInCode.objects.exists()
        assert len(events("sign_in_code_confirmed")) == 1
        assert events("login_succeeded")[-1]["method"] == "code"

    def test_the_code_is_useless_from_another_browser(self, browser, user, mailoutbox, committed):
        code = mailed_code(browser, user, mailoutbox, committed)
        # Another browser with no binding, and one with a binding of its own (it asked for an unknown address).
        thief = BrowserClient()
        assert confirm(thief, code).json()["code"] == CODE_INVALID
        ask(thief, "nobody@example.com", committed)
        response = confirm(thief, code)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == CODE_INVALID
        assert "WWW-Authenticate" in response
        assert not Session.objects.exists()
        # The owner's browser still can.
        assert confirm(browser, code).status_code == HTTPStatus.OK

    def test_a_code_works_once(self, browser, user, mailoutbox, committed):
        code = mailed_code(browser, user, mailoutbox, committed)
        cookie = browser.cookies[sign_in_codes.COOKIE_NAME].value
        assert confirm(browser, code).status_code == HTTPStatus.OK
        browser.cookies[sign_in_codes.COOKIE_NAME] = cookie  # replayed with the binding it had
        response = confirm(browser, code)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == CODE_INVALID
        assert Session.objects.filter(user=user).count() == 1

    def test_an_expired_code_is_refused(self, browser, user, mailoutbox, committed, clock):
        code = mailed_code(browser, user, mailoutbox, committed)
        cookie = browser.cookies[sign_in_codes.COOKIE_NAME].value
        clock.advance(601)
        browser.cookies[sign_in_codes.COOKIE_NAME] = cookie  # a browser that kept the cookie anyway
        response = confirm(browser, code)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == CODE_INVALID

    def test_asking_again_replaces_the_browsers_code(self, browser, user, mailoutbox, committed):
        first = mailed_code(browser, user, mailoutbox, committed)
        second = mailed_code(browser, user, mailoutbox, committed)
        if first != second:
            assert confirm(browser, first).status_code == HTTPStatus.UNAUTHORIZED
        assert confirm(browser, second).status_code == HTTPStatus.OK

    def test_a_few_wrong_codes_kill_it(self, browser, user, mailoutbox, committed, events):
        code = mailed_code(browser, user, mailoutbox, committed)
        wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
        for _ in range(sign_in_codes.MAX_FAILURES):
            response = confirm(browser, wrong)
            assert response.status_code == HTTPStatus.UNAUTHORIZED
            assert response.json()["code"] == CODE_INVALID
        assert not SignInCode.objects.exists()
        assert response.cookies[sign_in_codes.COOKIE_NAME].value == ""
        assert confirm(browser, code).status_code == HTTPStatus.UNAUTHORIZED
        assert not Session.objects.exists()
        assert [e["reason"] for e in events("sign_in_code_refused")] == ["wrong_code"] * 5 + ["no_code"]

    def test_wrong_codes_count_toward_the_failed_sign_in_ceiling(
        self, browser, user, mailoutbox, committed, settings, events
    ):
        settings.LOGIN_FAILURES_USERNAME = "3/hour"
        code = mailed_code(browser, user, mailoutbox, committed)
        for _ in range(3):
            assert confirm(browser, "ZZZZ-ZZZ2" if code != "ZZZZ-ZZZ2" else "ZZZZ-ZZZ3").status_code == 401
        # The ceiling is reached: even the right code waits, and a password sign-in is held back too.
        response = confirm(browser, code)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) > 0
        assert len(events("login_failure_ceiling_reached")) == 1
        password = BrowserClient().post(
            reverse("accounts:login"), {"username": user.username, "password": "wrong"}, format="json"
        )
        assert password.status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_the_right_code_does_not_count_as_a_failure(self, browser, user, mailoutbox, committed, settings):
        settings.LOGIN_FAILURES_USERNAME = "1/hour"
        code = mailed_code(browser, user, mailoutbox, committed)
        assert confirm(browser, code).status_code == HTTPStatus.OK
        assert BrowserClient().login_as(user) is not None

    def test_a_deactivated_user_cannot_use_their_code(self, browser, user, mailoutbox, committed):
        code = mailed_code(browser, user, mailoutbox, committed)
        User.objects.filter(pk=user.pk).update(is_active=False)
        response = confirm(browser, code)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["code"] == CODE_INVALID
        assert not Session.objects.exists()

    def test_the_code_proves_the_mailbox(self, browser, mailoutbox, committed, settings):
        settings.EMAIL_VERIFICATION = "mandatory"
        user = UserFactory(email_verified=False)
        code = mailed_code(browser, user, mailoutbox, committed)
        assert confirm(browser, code).status_code == HTTPStatus.OK
        user.refresh_from_db()
        assert user.email_verified

    def test_remember_false_gives_browser_session_cookies(self, browser, user, mailoutbox, committed):
        code = mailed_code(browser, user, mailoutbox, committed)
        response = confirm(browser, code, remember=False)
        assert response.status_code == HTTPStatus.OK
        assert access_cookie(response)["max-age"] == ""

    def test_throttled_per_ip(self, browser, settings):
        settings.EMAIL_LINK_RATE_IP = "2/hour"
        for _ in range(2):
            assert confirm(browser, "ABCD-EFGH").status_code == HTTPStatus.UNAUTHORIZED
        response = confirm(browser, "ABCD-EFGH")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Retry-After" in response

    @pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": ["x"]}, {"code": "x" * 100}, {"code": None}])
    def test_bad_input_is_400(self, browser, user, mailoutbox, committed, body):
        mailed_code(browser, user, mailoutbox, committed)
        response = browser.post(CONFIRM_URL, body, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "code" in response.json()
        assert SignInCode.objects.get().failures == 0

    def test_needs_the_csrf_header(self, browser, user, mailoutbox, committed):
        code = mailed_code(browser, user, mailoutbox, committed)
        assert browser.post(CONFIRM_URL, {"code": code}, format="json", csrf=False).status_code == 403
        assert confirm(browser, code).status_code == HTTPStatus.OK


class TestOff:
    @pytest.mark.parametrize("url", [REQUEST_URL, CONFIRM_URL])
    def test_both_endpoints_are_404_when_off(self, browser, user, settings, mailoutbox, committed, url):
        settings.EMAIL_SIGN_IN = False
        with committed():
            response = browser.post(url, {"email": user.email, "code": "ABCD-EFGH"}, format="json")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json()["detail"]
        assert mailoutbox == []


class TestStatements:
    """Budgets measured when the feature was built (a password sign-in is 8): raise them only with a reason."""

    def test_a_code_sign_in(self, browser, user, mailoutbox, committed, django_assert_max_num_queries):
        code = mailed_code(browser, user, mailoutbox, committed)
        with django_assert_max_num_queries(14):
            assert confirm(browser, code).status_code == HTTPStatus.OK

    def test_a_wrong_code(self, browser, user, mailoutbox, committed, django_assert_max_num_queries):
        code = mailed_code(browser, user, mailoutbox, committed)
        with django_assert_max_num_queries(5):
            assert confirm(browser, "ZZZZ-ZZZ2" if code != "ZZZZ-ZZZ2" else "ZZZZ-ZZZ3").status_code == 401
