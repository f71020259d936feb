"""A provider sign-in passes the same later stages as any other, and the account it makes can add a password."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import jwt as pyjwt
import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from mfa.tests.conftest import TotpClock, turn_on_two_factor
from mfa.totp import otp
from providers.models import ExternalIdentity
from providers.tests.helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine) -> TotpClock:
    start = datetime.now(tz=UTC).replace(microsecond=0)
    step_start = start - timedelta(seconds=start.timestamp() % otp.PERIOD)
    return TotpClock(time_machine, step_start + timedelta(seconds=otp.PERIOD + 10))


def test_the_second_factor_finishes_a_provider_sign_in(browser, fake_provider, clock):
    user = UserFactory()
    two_factor = turn_on_two_factor(user, clock)
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="alice-at-acme", linked_at=clock.now)
    response = sign_in(browser, fake_provider, next_path="/posts/", amr=["pwd"])
    assert response["Location"] == "/login/?second_factor=1&methods=totp%2Crecovery_code&next=%2Fposts%2F"
    answer = browser.post(reverse("mfa:login-mfa"), {"code": two_factor.code()})
    assert answer.status_code == HTTPStatus.OK
    claims = pyjwt.decode(browser.cookies["__Host-access_token"].value, options={"verify_signature": False})
    assert claims["amr"] == ["ext", "pwd", "otp"]
    assert browser.get(reverse("accounts:me")).json()["id"] == user.pk


def test_an_account_from_a_provider_can_set_a_password_through_the_reset_mail(browser, fake_provider, committed):
    sign_in(browser, fake_provider, email="new@acme.example", email_verified=True, preferred_username="newbie")
    with committed():
        response = browser.post(reverse("emails:password-reset"), {"email": "new@acme.example"})
    assert response.status_code == HTTPStatus.ACCEPTED
    assert [m.to for m in mail.outbox] == [["new@acme.example"]]
    assert "/password-reset/confirm/?token=" in mail.outbox[0].body


def test_the_callback_of_a_linked_identity_costs_a_bounded_number_of_statements(
    browser, fake_provider, django_assert_max_num_queries, clock
):
    user = UserFactory()
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="alice-at-acme", linked_at=clock.now)
    params = fake_provider.authorize(browser.get(reverse("providers:login", args=["acme"]))["Location"])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    with django_assert_max_num_queries(13):
        response = browser.get(reverse("providers:callback", args=["acme"]) + "?" + query)
    assert response["Location"] == "/"


def test_the_provider_list_reads_no_database(api_client, fake_provider, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert api_client.get(reverse("providers:providers")).status_code == HTTPStatus.OK
