"""Bad field values on every endpoint that takes a body: wrong types, 10,000 characters, NUL bytes.

Usernames' compatibility look-alikes are one name.

Each is a JSON 4xx, never a 5xx, and writes nothing (jwtsite/tests/bad_input.py).
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from jwtsite.tests.bad_input import (
    NEW_PASSWORD,
    WRONG_TYPES,
    assert_refused,
    bad_field_cases,
    send,
    snapshot,
)

pytestmark = pytest.mark.django_db


class TestFieldValues:
    @pytest.mark.parametrize("value", WRONG_TYPES)
    @pytest.mark.parametrize(("name", "field"), list(bad_field_cases()))
    def test_wrong_type_where_a_string_goes(self, world, name, field, value):
        client, _, post, table = world
        endpoint = table[name]
        body = assert_refused(client, endpoint, post, {**endpoint.valid, field: value})
        assert body.get("code") == "invalid_credentials" or list(body) == [field]

    @pytest.mark.parametrize("value", ["maybe", "", [True], {"a": 1}, 2, None, "yes please"])
    def test_wrong_type_where_a_boolean_goes(self, world, value):
        client, _, post, table = world
        body = assert_refused(client, table["login"], post, {**table["login"].valid, "remember": value})
        assert list(body) == ["remember"]

    @pytest.mark.parametrize(("name", "field"), list(bad_field_cases()))
    def test_a_10000_character_field(self, world, name, field):
        client, _, post, table = world
        endpoint = table[name]
        if field == "body":
            # Posts may be long: 10,000 characters is a valid body; the limit is 20,000.
            body = assert_refused(client, endpoint, post, {**endpoint.valid, field: "x" * 20_001})
            assert body == {"body": ["Ensure this field has no more than 20000 characters."]}
            return
        body = assert_refused(client, endpoint, post, {**endpoint.valid, field: "x" * 10_000})
        assert body.get("code") == "invalid_credentials" or list(body) == [field]

    @pytest.mark.parametrize("value", ["\x00", "abc\x00def", "\x00" * 100])
    @pytest.mark.parametrize(("name", "field"), list(bad_field_cases()))
    def test_nul_bytes(self, world, name, field, value):
        client, _, post, table = world
        endpoint = table[name]
        body = assert_refused(client, endpoint, post, {**endpoint.valid, field: value})
        assert list(body) == [field]
        assert "Null characters are not allowed." in body[field]

    def test_a_number_where_a_string_goes_is_read_as_its_digits(self, world):
        """DRF's CharField reads a JSON number as text; nothing else is coerced."""
        client, _, post, table = world
        response = send(client, table["posts-create"], post, {"title": 42, "body": 7})
        assert response.status_code == HTTPStatus.CREATED
        assert (response.json()["title"], response.json()["body"]) == ("42", "7")


class TestUsernameNormalisation:
    """NFKC: compatibility look-alikes are the same name (and refused at registration, saying which to type)."""

    @pytest.mark.parametrize(
        ("taken", "lookalike"),
        [
            ("fish", "\ufb01sh"),  # "ﬁ" ligature
            ("flow", "\ufb02ow"),  # "ﬂ" ligature
            ("office", "o\ufb03ce"),  # "ﬃ" ligature
            ("user2", "user\u00b2"),  # superscript two
            ("hello", "\u210bello"),  # script capital H
            ("ix", "\u2168"),  # roman numeral nine
            ("kelvin", "\u212aelvin"),  # Kelvin sign
            ("a1", "a\u2081"),  # subscript one
        ],
    )
    def test_a_compatibility_lookalike_of_a_taken_name_is_refused(self, browser, taken, lookalike):
        UserFactory(username=taken)
        before = snapshot()
        response = browser.post(
            reverse("accounts:register"), {"username": lookalike, "password": NEW_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"username": ["A user with that username already exists."]}
        assert snapshot() == before

    def test_a_name_nfkc_would_change_is_refused_with_the_form_to_type(self, browser):
        """Never changed without saying so (issue 19): the answer names the form to type."""
        before = snapshot()
        response = browser.post(
            reverse("accounts:register"), {"username": "\ufb01sh", "password": NEW_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {
            "username": ['Type "fish" instead: usernames are kept in Unicode\'s compatibility form (NFKC).']
        }
        assert snapshot() == before

    def test_login_with_the_lookalike_reaches_the_same_account(self, browser):
        user = UserFactory(username="fish")
        response = browser.post(
            reverse("accounts:login"), {"username": "\ufb01sh", "password": DEFAULT_PASSWORD}, format="json"
        )
        assert response.status_code == HTTPStatus.OK
        assert response.json()["user"]["id"] == user.pk
