"""Registering a passkey: creation options, the attestation, and every way a registration is refused."""

import base64
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from conftest import BrowserClient
from mfa.models import Passkey, WebAuthnChallenge
from mfa.tests.authenticator import SoftAuthenticator, b64url, unb64url
from mfa.tests.conftest import PASSKEYS_URL, REGISTER_OPTIONS_URL, register_passkey

pytestmark = pytest.mark.django_db

REQUIRED = {"detail": "Confirm it is you: re-authenticate, then try again.", "code": "reauthentication_required"}


def options_for(client) -> dict:
    response = client.post(REGISTER_OPTIONS_URL)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def create(client, credential: dict, name: str = "Laptop"):
    return client.post(PASSKEYS_URL, {"name": name, "credential": credential}, format="json")


def assert_refused(response, code: str) -> None:
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert response.json()["code"] == code
    assert not Passkey.objects.exists()
    assert User.objects.get().passkey_count == 0


class TestOptions:
    def test_ask_for_a_discoverable_user_verified_passkey_of_this_site(self, auth_client, user):
        response = auth_client.post(REGISTER_OPTIONS_URL)
        options = response.json()
        assert options["rp"] == {"id": "localhost", "name": "jwtsite"}
        assert options["user"]["name"] == options["user"]["displayName"] == user.username
        assert len(unb64url(options["user"]["id"])) == 32  # random: it says nothing about the user
        assert len(unb64url(options["challenge"])) == 32
        assert options["authenticatorSelection"] == {
            "residentKey": "required",
            "requireResidentKey": True,
            "userVerification": "required",
        }
        assert options["attestation"] == "none"
        assert options["timeout"] == 120_000
        assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
        assert "excludeCredentials" not in options or options["excludeCredentials"] == []

    def test_the_challenge_rides_in_an_httponly_cookie_for_two_minutes(self, auth_client):
        cookie = auth_client.post(REGISTER_OPTIONS_URL).cookies["webauthn_challenge"]
        assert (cookie["httponly"], cookie["path"], cookie["max-age"], cookie["samesite"]) == (
            True,
            "/api/auth/",
            120,
            "Lax",
        )
        challenge = WebAuthnChallenge.objects.get()
        assert cookie.value not in challenge.pk  # only its digest is stored
        assert challenge.expires_at - timezone.now() <= timedelta(minutes=2)

    def test_existing_passkeys_are_excluded_and_share_the_user_handle(self, auth_client, passkey, authenticator):
        options = options_for(auth_client)
        assert options["excludeCredentials"] == [
            {"type": "public-key", "id": b64url(authenticator.credential_id), "transports": ["internal"]}
        ]
        assert unb64url(options["user"]["id"]) == authenticator.user_handle

    def test_need_a_recent_sign_in(self, auth_client, settings):
        settings.REAUTH_WINDOW = 0
        response = auth_client.post(REGISTER_OPTIONS_URL)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == REQUIRED
        assert not WebAuthnChallenge.objects.exists()

    def test_signed_out_is_401(self, browser):
        assert browser.post(REGISTER_OPTIONS_URL).status_code == HTTPStatus.UNAUTHORIZED


class TestRegister:
    def test_keeps_the_passkey_and_says_so(self, auth_client, user, authenticator, committed, mailoutbox, audit_lines):
        options = options_for(auth_client)
        with committed():
            response = create(auth_client, authenticator.create(options), name="My phone")
        assert response.status_code == HTTPStatus.CREATED
        passkey = Passkey.objects.get()
        assert response.json() == {
            "id": passkey.pk,
            "name": "My phone",
            "created_at": passkey.created_at.isoformat().replace("+00:00", "Z"),
            "last_used_at": None,
        }
        assert bytes(passkey.credential_id) == authenticator.credential_id
        assert bytes(passkey.user_handle) == authenticator.user_handle
        assert passkey.transports == ["internal"]  # unknown transport names are dropped
        assert passkey.sign_count == 0
        assert passkey.aaguid.bytes == bytes(range(16))
        assert auth_client.get(reverse("accounts:me")).json()["mfa"] == {"totp": False, "passkeys": 1}
        (mail,) = mailoutbox
        assert mail.subject.startswith("A passkey was added")
        assert "“My phone”" in mail.body
        assert any(line["event"] == "passkey_added" and line["passkey_id"] == passkey.pk for line in audit_lines())
        assert "webauthn_challenge" in response.cookies
        assert not response.cookies["webauthn_challenge"].value

    def test_without_a_name_it_is_named_after_the_device(self, auth_client, authenticator):
        options = options_for(auth_client)
        response = auth_client.post(
            PASSKEYS_URL,
            {"credential": authenticator.create(options)},
            format="json",
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/140.0.0.0 Safari/537.36",
        )
        assert response.json()["name"] == "Chrome 140 on Linux"

    def test_a_second_passkey_counts_too(self, auth_client, passkey):
        register_passkey(auth_client, SoftAuthenticator(), name="Key")
        assert User.objects.get().passkey_count == 2
        assert [p["name"] for p in auth_client.get(PASSKEYS_URL).json()] == ["Laptop", "Key"]

    def test_the_same_credential_twice_is_refused(self, auth_client, passkey, authenticator):
        response = create(auth_client, authenticator.create(options_for(auth_client)))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "passkey_already_registered"
        assert Passkey.objects.count() == User.objects.get().passkey_count == 1

    @pytest.mark.parametrize(
        ("lie", "code"),
        [
            ({"origin": "https://evil.example"}, "webauthn_origin_mismatch"),
            ({"origin": "http://localhost:8001"}, "webauthn_origin_mismatch"),
            ({"origin": "https://localhost:8000"}, "webauthn_origin_mismatch"),
            ({"rp_id": "evil.example"}, "webauthn_rp_id_mismatch"),
            ({"rp_id": "sub.localhost"}, "webauthn_rp_id_mismatch"),
            ({"ceremony": "webauthn.get"}, "webauthn_type_mismatch"),
            ({"user_verified": False}, "webauthn_user_not_verified"),
        ],
    )
    def test_a_response_made_for_another_site_or_without_verification_is_400(
        self, auth_client, authenticator, lie, code
    ):
        assert_refused(create(auth_client, authenticator.create(options_for(auth_client), **lie)), code)

    def test_the_site_url_decides_the_relying_party(self, auth_client, settings):
        settings.SITE_URL = "https://accounts.example.com"
        options = options_for(auth_client)
        assert options["rp"]["id"] == "accounts.example.com"
        authenticator = SoftAuthenticator()
        assert_refused(create(auth_client, authenticator.create(options)), "webauthn_origin_mismatch")
        options = options_for(auth_client)  # each challenge gets one answer, right or wrong
        credential = authenticator.create(options, origin="https://accounts.example.com", rp_id="accounts.example.com")
        assert create(auth_client, credential).status_code == HTTPStatus.CREATED

    def test_a_challenge_works_once(self, auth_client, authenticator):
        options = options_for(auth_client)
        assert create(auth_client, authenticator.create(options)).status_code == HTTPStatus.CREATED
        response = create(auth_client, SoftAuthenticator().create(options))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"
        assert Passkey.objects.count() == 1

    def test_an_expired_challenge_is_400(self, auth_client, authenticator):
        options = options_for(auth_client)
        WebAuthnChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert_refused(create(auth_client, authenticator.create(options)), "webauthn_challenge_invalid")
        assert not WebAuthnChallenge.objects.exists()

    def test_a_response_to_another_challenge_is_400(self, auth_client, authenticator):
        stale = options_for(auth_client)
        options_for(auth_client)  # the cookie now names this one
        assert_refused(create(auth_client, authenticator.create(stale)), "webauthn_challenge_invalid")

    def test_without_the_challenge_cookie_is_400(self, auth_client, authenticator):
        options = options_for(auth_client)
        del auth_client.cookies["webauthn_challenge"]
        assert_refused(create(auth_client, authenticator.create(options)), "webauthn_challenge_invalid")

    def test_the_challenge_is_bound_to_the_session_that_asked(self, auth_client, user, authenticator):
        options = options_for(auth_client)
        other_session = BrowserClient()
        other_session.login_as(user)
        other_session.cookies["webauthn_challenge"] = auth_client.cookies["webauthn_challenge"].value
        assert_refused(create(other_session, authenticator.create(options)), "webauthn_challenge_invalid")

    def test_the_challenge_is_bound_to_the_user_that_asked(self, auth_client, other_user, authenticator):
        options = options_for(auth_client)
        thief = BrowserClient()
        thief.login_as(other_user)
        thief.cookies["webauthn_challenge"] = auth_client.cookies["webauthn_challenge"].value
        response = create(thief, authenticator.create(options))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "webauthn_challenge_invalid"
        assert not Passkey.objects.exists()

    @pytest.mark.parametrize(
        "damage",
        [
            lambda c: c["response"].update(attestationObject="not-base64!"),
            lambda c: c["response"].update(clientDataJSON=b64url(b"{not json")),
            lambda c: c["response"].update(attestationObject=b64url(b"\xa1\x01\x02")),
            lambda c: c["response"].pop("attestationObject"),
            lambda c: c.update(rawId=b64url(b"another id")),
        ],
        ids=["bad-base64", "client-data-not-json", "cbor-not-attestation", "no-attestation", "id-not-raw-id"],
    )
    def test_a_malformed_attestation_is_400(self, auth_client, authenticator, damage):
        credential = authenticator.create(options_for(auth_client))
        damage(credential)
        assert_refused(create(auth_client, credential), "webauthn_malformed")

    def test_a_body_without_a_credential_is_a_field_error(self, auth_client):
        response = auth_client.post(PASSKEYS_URL, {"name": "x"}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()) == ["credential"]

    def test_needs_a_recent_sign_in(self, auth_client, authenticator, settings):
        options = options_for(auth_client)
        settings.REAUTH_WINDOW = 0
        response = create(auth_client, authenticator.create(options))
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == REQUIRED
        assert not Passkey.objects.exists()

    def test_needs_the_csrf_header(self, auth_client, authenticator):
        options = options_for(auth_client)
        body = {"name": "x", "credential": authenticator.create(options)}
        response = auth_client.post(PASSKEYS_URL, body, format="json", csrf=False)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not Passkey.objects.exists()

    def test_no_key_material_in_any_answer(self, auth_client, passkey):
        stored = Passkey.objects.get()
        for response in (auth_client.get(PASSKEYS_URL), auth_client.get(reverse("accounts:me"))):
            text = response.content.decode()
            for secretish in (bytes(stored.public_key), bytes(stored.credential_id)):
                assert b64url(secretish) not in text
                assert base64.b64encode(secretish).decode() not in text
