"""Waits and lifetimes in words: minutes and hours, never thousands of seconds, and plurals right."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conftest import BrowserClient
from jwtsite.wording import duration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.2, "1 second"),
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (2875, "48 minutes"),
        (3600, "1 hour"),
        (3660, "1 hour 1 minute"),
        (7260, "2 hours 1 minute"),
        (86400, "1 day"),
        (3 * 86400 - 5, "3 days"),
    ],
)
def test_durations_read_as_a_person_says_them(seconds, words):
    assert duration(seconds) == words


def test_a_throttled_answer_says_minutes(settings):
    settings.LOGIN_RATE_IP = "1/hour"
    user = UserFactory()
    client = BrowserClient()
    client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"}, format="json")
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "x"}, format="json")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    # The wait is what the sliding window leaves (accounts/rates.py): the words say the header's seconds.
    wait = int(response["Retry-After"])
    assert 3600 <= wait <= 2 * 3600
    assert response.json() == {"detail": f"Too many requests. Try again in {duration(wait)}.", "code": "throttled"}
    assert "second" not in response.json()["detail"]


@pytest.mark.parametrize(
    ("timeout", "words"), [(60, "within 1 minute:"), (3600, "within 1 hour:"), (900, "within 15 minutes:")]
)
def test_mailed_links_say_how_long_they_live_in_words(settings, mailoutbox, committed, timeout, words):
    settings.PASSWORD_RESET_TIMEOUT = timeout
    user = UserFactory()
    with committed():
        BrowserClient().post(reverse("emails:password-reset"), {"email": user.email}, format="json")
    (message,) = mailoutbox
    assert words in message.body
    assert words in message.alternatives[0][0]
