"""Two answers racing with one trip (a double-clicked link, a replayed callback): one sign-in at most."""

import threading
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Session
from conftest import BrowserClient
from providers.tests.helpers import start

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_trip_answered_twice_at_once_signs_in_once(fake_provider):
    fake_provider.codes_reusable = True  # even a provider that takes a code twice gets one sign-in
    browser = BrowserClient()
    params = fake_provider.authorize(start(browser))
    cookie = browser.cookies["oidc_login"].value
    url = reverse("providers:callback", args=["acme"]) + "?" + urlencode(params)
    barrier, answers = threading.Barrier(2), []

    def answer() -> None:
        client = BrowserClient()
        client.cookies["oidc_login"] = cookie
        barrier.wait()
        answers.append(client.get(url)["Location"])
        connection.close()

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["/", "/login/?provider_error=provider_state_invalid"]
    assert Session.objects.count() == 1
