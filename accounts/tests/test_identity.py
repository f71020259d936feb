"""One identity per mailbox and per visible name: look-alike addresses and usernames, case at sign-in."""

import time
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import BrowserClient
from jwtsite.tests.bad_input import snapshot

pytestmark = pytest.mark.django_db

REGISTER_URL = reverse("accounts:register")
LOGIN_URL = reverse("accounts:login")
TOKEN_URL = reverse("accounts:token")
ME_URL = reverse("accounts:me")
CHANGE_URL = reverse("emails:email-change")
RESET_URL = reverse("emails:password-reset")
PASSWORD = "a-long-unusual-passphrase"

# Spellings a mail server delivers to dave@example.com.
ZERO_WIDTH_SPACE = "dave@example.com\u200b"
SOFT_HYPHEN = "dave@exam\u00adple.com"
FULL_WIDTH = "dave@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com"


def register(client, committed, username="mallory", **fields):
    with committed():
        return client.post(REGISTER_URL, {"username": username, "password": PASSWORD, **fields}, format="json")


class TestEmailLookAlikes:
    @pytest.mark.parametrize(
        ("address", "named"),
        [
            (ZERO_WIDTH_SPACE, "U+200B ZERO WIDTH SPACE"),
            (SOFT_HYPHEN, "U+00AD SOFT HYPHEN"),
            ("dave@exa\u200dmple.com", "U+200D ZERO WIDTH JOINER"),
            ("dave@example.com\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
            ("dave@\u202eexample.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ],
    )
    def test_a_format_character_is_a_field_error_at_registration(self, browser, committed, address, named):
        UserFactory(username="dave", email="dave@example.com")
        before = snapshot()
        response = register(browser, committed, email=address)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"email": [f"Remove the invisible character ({named}) from the address."]}
        assert snapshot() == before

    @pytest.mark.parametrize("address", [ZERO_WIDTH_SPACE, SOFT_HYPHEN])
    def test_a_format_character_is_a_field_error_at_email_change(self, auth_client, address):
        before = snapshot()
        response = auth_client.post(CHANGE_URL, {"email": address}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["email"]
        assert "invisible character" in response.json()["email"][0]
        assert snapshot() == before

    def test_a_full_width_domain_is_stored_folded(self, browser, committed):
        response = register(browser, committed, email="Dave@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.COM")
        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["user"]["email"] == "Dave@example.com"
        assert User.objects.get().email == "Dave@example.com"

    def test_an_international_domain_is_kept_in_its_unicode_form(self, browser, committed):
        register(browser, committed, email="dave@M\u00dcNCHEN.de")
        register(BrowserClient(), committed, username="other", email="dave@xn--mnchen-3ya.de")
        assert list(User.objects.order_by("pk").values_list("email", "unconfirmed_email")) == [
            ("dave@m\u00fcnchen.de", ""),
            ("", "dave@m\u00fcnchen.de"),  # one mailbox: the second spelling is held back
        ]

    def test_a_full_width_spelling_of_a_taken_address_at_email_change_is_refused(self, auth_client):
        UserFactory(username="dave", email="dave@example.com")
        response = auth_client.post(CHANGE_URL, {"email": FULL_WIDTH}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"email": ["An account with that email address already exists."]}

    def test_the_reset_of_a_full_width_spelling_reaches_the_one_account(self, browser, mailoutbox, committed):
        UserFactory(username="dave", email="dave@example.com")
        with committed():
            response = browser.post(RESET_URL, {"email": FULL_WIDTH}, format="json")
        assert response.status_code == HTTPStatus.ACCEPTED
        (message,) = mailoutbox
        assert message.to == ["dave@example.com"]

    def test_a_mailbox_that_folds_under_nfkc_and_case_is_one(self, browser, committed):
        """ß folds to ss: the two are one mailbox whichever registered first."""
        register(browser, committed, username="first", email="dave@strasse.de")
        response = register(BrowserClient(), committed, username="second", email="dave@stra\u00dfe.de")
        assert response.status_code == HTTPStatus.CREATED
        second = User.objects.get(username="second")
        assert (second.email, second.unconfirmed_email) == ("", "dave@stra\u00dfe.de")


class TestRegistrationDoesNotEnumerate:
    def answer(self, client, committed, username, email):
        with CaptureQueriesContext(connection) as queries:
            response = register(client, committed, username=username, email=email)
        body = response.json()
        return {
            "status": response.status_code,
            "keys": sorted(body["user"]),
            "email": body["user"]["email"],
            "email_verified": body["user"]["email_verified"],
            "cookies": sorted(response.cookies),
            "queries": len(queries),
        }

    @pytest.mark.parametrize("spelling", ["dave@example.com", "DAVE@Example.com", FULL_WIDTH])
    def test_a_taken_address_gets_the_same_answer_as_a_free_one(self, committed, mailoutbox, spelling):
        owner = UserFactory(username="dave", email="dave@example.com")
        free = self.answer(BrowserClient(), committed, "newcomer", "carol@example.com")
        taken = self.answer(BrowserClient(), committed, "mallory", spelling)
        assert free["status"] == taken["status"] == HTTPStatus.CREATED
        assert {**free, "email": None} == {**taken, "email": None}  # the same work too: as many queries
        assert taken["email"] == User.normalize_email(spelling)
        assert taken["email_verified"] is False

        # One mailbox, one account: the address stays the owner's alone.
        mallory = User.objects.get(username="mallory")
        assert (mallory.email, mallory.unconfirmed_email) == ("", User.normalize_email(spelling))
        assert User.objects.filter(email__iexact="dave@example.com").get() == owner

        # The newcomer gets a link; the owner a word that someone tried, and no link for mallory.
        verification, attempt = mailoutbox
        assert verification.to == ["carol@example.com"]
        assert "Verify your email address" in verification.subject
        assert attempt.to == ["dave@example.com"]
        assert "Someone tried to sign up with your address" in attempt.subject
        assert "/verify-email/" not in attempt.body
        assert "dave" in attempt.body

    def test_me_shows_the_held_address_as_unverified(self, committed):
        UserFactory(username="dave", email="dave@example.com")
        client = BrowserClient()
        register(client, committed, email="dave@example.com")
        me = client.get(ME_URL).json()
        assert (me["email"], me["email_verified"]) == ("dave@example.com", False)

    def test_the_owner_hears_of_repeated_attempts_at_most_hourly(self, committed, mailoutbox):
        UserFactory(username="dave", email="dave@example.com")
        for name in ("mallory", "trudy", "oscar"):
            assert register(BrowserClient(), committed, username=name, email="dave@example.com").status_code == 201
        assert len(mailoutbox) == 1

    def test_the_held_address_cannot_sign_in_a_password_reset(self, committed, mailoutbox):
        owner = UserFactory(username="dave", email="dave@example.com")
        register(BrowserClient(), committed, email="dave@example.com")
        mailoutbox.clear()
        with committed():
            BrowserClient().post(RESET_URL, {"email": "dave@example.com"}, format="json")
        (message,) = mailoutbox
        assert message.to == ["dave@example.com"]
        assert f"Hello {owner.username}" in message.body

    def test_resending_to_a_held_address_mails_nothing_while_it_is_taken(self, committed, mailoutbox):
        owner = UserFactory(username="dave", email="dave@example.com")
        client = BrowserClient()
        register(client, committed, email="dave@example.com")
        mailoutbox.clear()
        with committed():
            response = client.post(reverse("emails:email-verify-resend"))
        assert response.status_code == HTTPStatus.ACCEPTED
        assert mailoutbox == []

        # Once the owner moves away, the held address can be verified like any other.
        User.objects.filter(pk=owner.pk).update(email="dave@elsewhere.example")
        with committed():
            client.post(reverse("emails:email-verify-resend"))
        (message,) = mailoutbox
        assert message.to == ["dave@example.com"]
        token = message.body.split("token=")[1].split()[0]
        assert BrowserClient().post(reverse("emails:email-verify"), {"token": token}, format="json").status_code == 204
        mallory = User.objects.get(username="mallory")
        assert (mallory.email, mallory.email_verified, mallory.unconfirmed_email) == ("dave@example.com", True, "")

    def test_changing_to_the_held_address_is_the_same_address(self, committed):
        UserFactory(username="dave", email="dave@example.com")
        client = BrowserClient()
        register(client, committed, email="dave@example.com")
        response = client.post(CHANGE_URL, {"email": "dave@example.com"}, format="json")
        assert response.json() == {"email": ["That is already your email address."]}

    def test_a_taken_username_still_says_so(self, browser, committed):
        UserFactory(username="dave", email="dave@example.com")
        response = register(browser, committed, username="Dave", email="new@example.com")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"username": ["A user with that username already exists."]}


class TestUsernames:
    @pytest.mark.parametrize("spelling", ["ALICE", "Alice", "alice", "\uff21\uff2c\uff29\uff23\uff25"])
    @pytest.mark.parametrize("url", [LOGIN_URL, TOKEN_URL])
    def test_sign_in_is_case_insensitive_as_sign_up_is(self, spelling, url):
        alice = UserFactory(username="alice")
        response = BrowserClient().post(url, {"username": spelling, "password": DEFAULT_PASSWORD}, format="json")
        assert response.status_code == HTTPStatus.OK
        if url == LOGIN_URL:
            assert response.json()["user"]["id"] == alice.pk

    def test_a_name_with_case_beyond_ascii_signs_in_too(self):
        """SQLite's LIKE and lower() fold ASCII only: the key column does not depend on them."""
        user = UserFactory(username="\u00c9lodie")
        response = BrowserClient().post(
            LOGIN_URL, {"username": "\u00e9LODIE", "password": DEFAULT_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.OK
        assert response.json()["user"]["id"] == user.pk

    def test_one_generic_failure_and_the_same_work_for_a_wrong_password_and_an_unknown_name(self):
        UserFactory(username="alice")
        answers = []
        for name in ("ALICE", "nobody"):
            with CaptureQueriesContext(connection) as queries:
                response = BrowserClient().post(LOGIN_URL, {"username": name, "password": "wrong"}, format="json")
            answers.append((response.status_code, response.json(), len(queries)))
        assert answers[0] == answers[1]
        assert answers[0][0] == HTTPStatus.UNAUTHORIZED

    @pytest.mark.parametrize("lookalike", ["\u0430lice", "\u0410lice", "alic\u0435", "\u0430\u04cf\u0456ce"])
    def test_a_mixed_script_lookalike_is_refused(self, browser, committed, lookalike):
        UserFactory(username="alice")
        before = snapshot()
        response = register(browser, committed, username=lookalike)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        (message,) = response.json()["username"]
        assert "letters that look alike" in message
        assert snapshot() == before

    @pytest.mark.parametrize(
        "name", ["Dzemo", "J\u00f3zsef", "M\u00fcller", "\u7530\u4e2dtanaka", "\u03b1\u03b2\u03b3"]
    )
    def test_names_of_one_script_or_of_scripts_that_do_not_look_alike_are_welcome(self, browser, committed, name):
        response = register(browser, committed, username=name)
        assert response.status_code == HTTPStatus.CREATED
        assert User.objects.get().username == name

    def test_a_name_nfkc_would_change_is_refused_with_the_form_to_type(self, browser, committed):
        before = snapshot()
        response = register(browser, committed, username="\u01c5emo")  # "ǅ", one letter
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {
            "username": ['Type "D\u017eemo" instead: usernames are kept in Unicode\'s compatibility form (NFKC).']
        }
        assert snapshot() == before

        response = register(browser, committed, username="D\u017eemo")
        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["user"]["username"] == "D\u017eemo"

    def test_names_that_fold_together_under_case_folding_are_one(self, browser, committed):
        register(browser, committed, username="stra\u00dfe")
        response = register(BrowserClient(), committed, username="STRASSE")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["username"]


class TestLimitsCountOneName:
    @pytest.fixture
    def ceiling(self, settings, clock):
        settings.LOGIN_FAILURES_USERNAME = "3/hour"
        settings.LOGIN_RATE_USERNAME = "1000/min"
        settings.LOGIN_RATE_IP = "1000/min"
        clock.set((time.time() // 3600 + 1) * 3600 + 100.0, tick=False)

    def attempt(self, username, password, ip):
        return BrowserClient().post(
            LOGIN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
        )

    def test_an_address_signed_in_from_before_is_known_however_the_name_is_capitalised(self, ceiling):
        UserFactory(username="alice")
        assert self.attempt("alice", DEFAULT_PASSWORD, "192.0.2.50").status_code == HTTPStatus.OK
        for n in range(3):
            assert self.attempt("ALICE", "guess", f"203.0.113.{n}").status_code == HTTPStatus.UNAUTHORIZED
        assert self.attempt("aLiCe", DEFAULT_PASSWORD, "198.51.100.9").status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert self.attempt("ALICE", DEFAULT_PASSWORD, "192.0.2.50").status_code == HTTPStatus.OK

    def test_the_per_username_throttle_counts_every_spelling_once(self, settings):
        settings.LOGIN_RATE_USERNAME = "2/min"
        UserFactory(username="alice")
        assert self.attempt("alice", "guess", "203.0.113.1").status_code == HTTPStatus.UNAUTHORIZED
        assert self.attempt("ALICE", "guess", "203.0.113.2").status_code == HTTPStatus.UNAUTHORIZED
        assert self.attempt("Alice", DEFAULT_PASSWORD, "203.0.113.3").status_code == HTTPStatus.TOO_MANY_REQUESTS
