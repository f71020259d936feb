"""Sign-in as stages (accounts/sign_in.py): any list, any order, an ask held and resumed after its stage.

The built-in stages are emails' verified address and mfa's second factor;
``accounts.tests.stages`` holds stages a test places anywhere in the list.
Here rather than in accounts/tests/ for the two-factor fixtures.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session, User
from accounts.sign_in import SignInMethod
from accounts.tests import stages
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import access_cookie, claims_of
from conftest import BrowserClient
from mfa.models import LoginTicket
from mfa.tests.conftest import passkey_login, password_step, register_passkey
from mfa.tests.test_concurrency import THREADS, race, statuses

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
TOKEN_URL = reverse("accounts:token")
LOGIN_MFA_URL = reverse("mfa:login-mfa")
EMAIL = "emails.stages.verified_email"
SECOND_FACTOR = "mfa.stages.second_factor"
REFUSE = "accounts.tests.stages.refuse"
RECORD = "accounts.tests.stages.record"
PROVE = "accounts.tests.stages.prove"
DEVICE_NOT_ALLOWED = {"detail": "This device may not sign in.", "code": "device_not_allowed", "hint": "ask"}
TICKET_INVALID = "mfa_ticket_invalid"


@pytest.fixture(autouse=True)
def _nothing_seen():
    stages.seen.clear()


@pytest.fixture
def mandatory(settings):
    settings.EMAIL_VERIFICATION = "mandatory"


def password_login(client, user: User, **data):
    return client.post(LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD, **data}, format="json")


def token_login(user: User, **data):
    return BrowserClient().post(
        TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD, **data}, format="json"
    )


def second_step(client, code: str):
    return client.post(LOGIN_MFA_URL, {"code": code}, format="json")


def amr_of(response) -> list[str]:
    assert response.status_code == HTTPStatus.OK, response.content
    return claims_of(access_cookie(response).value)["amr"]


class TestTheList:
    def test_by_default_the_installed_apps_stages_in_order(self, settings):
        del settings.SIGN_IN_STAGES
        from accounts import conf

        assert conf.sign_in_stages() == (EMAIL, SECOND_FACTOR)

    def test_an_empty_list_signs_in_with_the_password_alone(self, settings, two_factor, mandatory):
        settings.SIGN_IN_STAGES = []
        user = two_factor.user  # two-factor on, address unverified, verification mandatory
        assert amr_of(password_login(BrowserClient(), user)) == ["pwd"]
        response = token_login(user)
        assert response.status_code == HTTPStatus.OK
        assert set(response.json()) == {"access", "refresh"}
        assert claims_of(response.json()["access"])["amr"] == ["pwd"]

    def test_the_email_stage_alone(self, settings, two_factor, mandatory):
        settings.SIGN_IN_STAGES = [EMAIL]
        refused = password_login(BrowserClient(), two_factor.user)
        assert (refused.status_code, refused.json()["code"]) == (HTTPStatus.FORBIDDEN, "email_unverified")
        verified = UserFactory(email_verified=True)
        assert amr_of(password_login(BrowserClient(), verified)) == ["pwd"]
        # Without the second-factor stage, the password alone signs a two-factor user in.
        User.objects.filter(pk=two_factor.user.pk).update(email_verified=True)
        assert amr_of(password_login(BrowserClient(), two_factor.user)) == ["pwd"]

    def test_the_second_factor_stage_alone(self, settings, two_factor, mandatory):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR]
        browser = BrowserClient()
        password_step(browser, two_factor.user)  # an unverified address no longer matters
        assert amr_of(second_step(browser, two_factor.code())) == ["pwd", "otp"]
        assert not LoginTicket.objects.exists()

    def test_a_stage_that_proves_a_method_adds_it_to_the_session(self, settings, user):
        settings.SIGN_IN_STAGES = [PROVE]
        assert amr_of(password_login(BrowserClient(), user)) == ["pwd", "hwk"]
        assert Session.objects.get().amr == "pwd hwk"

    def test_a_refusal_is_answered_and_audited_and_starts_nothing(self, settings, user, audit_lines):
        settings.SIGN_IN_STAGES = [REFUSE, RECORD]
        response = password_login(BrowserClient(), user)
        assert (response.status_code, response.json()) == (HTTPStatus.FORBIDDEN, DEVICE_NOT_ALLOWED)
        assert not response.cookies.get("__Host-access_token")
        assert not Session.objects.exists()
        assert len(stages.seen) == 1  # the stage after the refusal never ran
        refused = [line for line in audit_lines() if line["event"] == "sign_in_refused"]
        assert [(line["user_id"], line["reason"]) for line in refused] == [(user.pk, "device_not_allowed")]
        bearer = token_login(user)
        assert (bearer.status_code, bearer.json()) == (HTTPStatus.FORBIDDEN, DEVICE_NOT_ALLOWED)

    def test_a_rate_limit_is_a_429_with_retry_after(self, settings, user, audit_lines):
        settings.SIGN_IN_STAGES = ["accounts.tests.stages.rate_limited"]
        response = password_login(BrowserClient(), user)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert response["Retry-After"] == "43"
        assert response.json()["code"] == "throttled"
        events = [line["event"] for line in audit_lines()]
        assert events[-2:] == ["throttled", "sign_in_refused"]

    def test_an_ask_nobody_can_hold_is_answered_like_a_refusal(self, settings, user):
        settings.SIGN_IN_STAGES = ["accounts.tests.stages.ask_without_hold"]
        response = password_login(BrowserClient(), user)
        assert (response.status_code, response.json()["code"]) == (HTTPStatus.FORBIDDEN, "terms_required")
        assert "mfa_ticket" not in response.cookies
        assert not LoginTicket.objects.exists()

    def test_a_stage_sees_the_attempt(self, settings, user, authenticator):
        settings.SIGN_IN_STAGES = [RECORD]
        password_login(BrowserClient(), user, remember=False)
        token_login(user, otp="123456")
        browser = BrowserClient()
        browser.login_as(user)
        register_passkey(browser, authenticator)
        passkey_login(BrowserClient(), authenticator)
        password, bearer, _, passkey = stages.seen
        assert (password.method, password.remember, password.bearer, password.amr) == (
            SignInMethod.PASSWORD,
            False,
            False,
            ("pwd",),
        )
        assert (bearer.bearer, dict(bearer.answers)) == (True, {"otp": "123456"})
        assert (passkey.method, passkey.amr) == (SignInMethod.PASSKEY, ("webauthn",))
        assert password.client.user_agent == ""


class TestResumingAfterTheSecondFactor:
    """A stage after the second factor runs for users with two-factor on, once the code is in."""

    def test_a_later_stage_that_refuses_refuses_after_the_code(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, REFUSE]
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        assert stages.seen == []  # held before it
        response = second_step(browser, two_factor.code())
        assert (response.status_code, response.json()) == (HTTPStatus.FORBIDDEN, DEVICE_NOT_ALLOWED)
        (attempt,) = stages.seen
        assert attempt.amr == ("pwd", "otp")
        assert not Session.objects.exists()
        assert not LoginTicket.objects.exists()  # spent: the sign-in starts again from the password
        assert not response.cookies["mfa_ticket"].value

    def test_a_later_stage_that_passes_signs_in(self, settings, two_factor, audit_lines):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, PROVE]
        browser = BrowserClient()
        password_step(browser, two_factor.user, remember=False)
        response = second_step(browser, two_factor.code())
        assert amr_of(response) == ["pwd", "otp", "hwk"]
        assert access_cookie(response)["max-age"] == ""  # remember=False held with the attempt
        (attempt,) = stages.seen
        assert attempt.remember is False
        succeeded = next(line for line in audit_lines() if line["event"] == "login_succeeded")
        assert (succeeded["remember"], succeeded["method"]) == (False, "otp")

    def test_a_bearer_client_runs_the_later_stage_in_the_same_request(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, REFUSE]
        response = token_login(two_factor.user, otp=two_factor.code())
        assert (response.status_code, response.json()) == (HTTPStatus.FORBIDDEN, DEVICE_NOT_ALLOWED)
        assert stages.seen[0].amr == ("pwd", "otp")

    def test_a_stage_before_it_runs_once_not_again_on_resume(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [RECORD, SECOND_FACTOR]
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        amr_of(second_step(browser, two_factor.code()))
        assert len(stages.seen) == 1

    def test_a_replayed_ticket_is_refused_and_resumes_nothing(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, RECORD]
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        ticket = browser.cookies["mfa_ticket"].value
        amr_of(second_step(browser, two_factor.code()))
        replay = BrowserClient()
        replay.cookies["mfa_ticket"] = ticket
        response = second_step(replay, two_factor.recovery_codes[0])
        assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, TICKET_INVALID)
        assert len(stages.seen) == 1
        assert Session.objects.count() == 1

    def test_an_expired_ticket_is_refused(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, RECORD]
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        LoginTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        response = second_step(browser, two_factor.code())
        assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, TICKET_INVALID)
        assert stages.seen == []
        assert not Session.objects.exists()

    def test_a_user_deactivated_meanwhile_is_refused(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, RECORD]
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        User.objects.filter(pk=two_factor.user.pk).update(is_active=False)
        response = second_step(browser, two_factor.code())
        assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, TICKET_INVALID)
        assert stages.seen == []
        assert not Session.objects.exists()

    def test_a_stage_list_changed_meanwhile_refuses_the_held_attempt(self, settings, two_factor):
        settings.SIGN_IN_STAGES = [SECOND_FACTOR, RECORD]
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        settings.SIGN_IN_STAGES = [RECORD]  # the stage that asked is gone: nothing may be skipped
        response = second_step(browser, two_factor.code())
        assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "sign_in_expired")
        assert stages.seen == []
        assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_resumes_of_one_ticket_at_once_start_one_session_and_run_later_stages_once(
    settings, live_server, two_factor
):
    settings.SIGN_IN_STAGES = [SECOND_FACTOR, RECORD]
    settings.MFA_CODE_RATE_USER = settings.MFA_CODE_RATE_IP = "1000/min"
    browser = BrowserClient()
    password_step(browser, two_factor.user)
    csrf = browser.cookies["csrftoken"].value
    cookie = f"csrftoken={csrf}; mfa_ticket={browser.cookies['mfa_ticket'].value}"
    results = race(live_server.url, LOGIN_MFA_URL, {"code": two_factor.code()}, {"Cookie": cookie, "X-CSRFToken": csrf})
    assert statuses(results) == [HTTPStatus.OK] + [HTTPStatus.UNAUTHORIZED] * (THREADS - 1), results
    assert Session.objects.count() == 1
    assert len(stages.seen) == 1


class TestStatements:
    """No more statements than before the stages (measured on the code before them, SQLite and PostgreSQL alike)."""

    def test_a_password_sign_in(self, user, django_assert_max_num_queries):
        browser = BrowserClient()
        browser.csrf_token()
        with django_assert_max_num_queries(8):
            password_login(browser, user)

    def test_a_bearer_sign_in(self, user, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            assert token_login(user).status_code == HTTPStatus.OK

    def test_the_password_step_with_two_factor_on(self, two_factor, django_assert_max_num_queries):
        browser = BrowserClient()
        browser.csrf_token()
        with django_assert_max_num_queries(5):
            password_step(browser, two_factor.user)

    def test_the_second_factor_step(self, two_factor, django_assert_max_num_queries):
        browser = BrowserClient()
        password_step(browser, two_factor.user)
        with django_assert_max_num_queries(14):
            amr_of(second_step(browser, two_factor.code()))

    def test_a_bearer_sign_in_with_its_code(self, two_factor, django_assert_max_num_queries):
        with django_assert_max_num_queries(12):
            assert token_login(two_factor.user, otp=two_factor.code()).status_code == HTTPStatus.OK
