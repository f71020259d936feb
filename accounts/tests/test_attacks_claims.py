"""JWT attacks on the claims of a token signed with our key: type, time, identity, version.

How an attack is sent and what a rejection must look like: accounts/tests/attacks.py.
"""

import json
import uuid
from http import HTTPStatus

import pytest

from accounts.models import Session, User
from accounts.tests.attacks import (
    ACCESS_REJECTED,
    ACCESS_TARGETS,
    REFRESH_REJECTED,
    REFRESH_TARGETS,
    TARGETS,
    USER_NOT_FOUND,
    assert_rejected,
    craft,
    expected_for,
    kind_of,
    now,
    send,
    signing_key,
)
from accounts.tests.helpers import sign

pytestmark = pytest.mark.django_db


class TestTokenType:
    @pytest.mark.parametrize("target", ACCESS_TARGETS)
    def test_refresh_token_is_not_an_access_token(self, genuine, target):
        assert_rejected(lambda: send(target, genuine["refresh"]), ACCESS_REJECTED)

    @pytest.mark.parametrize("target", REFRESH_TARGETS)
    def test_access_token_is_not_a_refresh_token(self, genuine, target):
        assert_rejected(lambda: send(target, genuine["access"]), REFRESH_REJECTED)

    @pytest.mark.parametrize("token_type", ["", "ACCESS", "id", None, 1])
    @pytest.mark.parametrize("target", TARGETS)
    def test_other_token_types_are_rejected(self, claims, target, token_type):
        raw = sign({**claims[kind_of(target)], "token_type": token_type})
        assert_rejected(lambda: send(target, raw), expected_for(target))


class TestTime:
    @pytest.mark.parametrize("target", TARGETS)
    def test_expired(self, claims, target):
        raw = sign({**claims[kind_of(target)], "exp": now() - 6})
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("claim", ["nbf", "iat"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_not_yet_valid_beyond_the_leeway(self, claims, target, claim):
        raw = sign({**claims[kind_of(target)], claim: now() + 60})
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", ACCESS_TARGETS)
    def test_a_clock_a_second_ahead_is_within_the_leeway(self, claims, target):
        raw = sign({**claims["access"], "iat": now() + 1, "nbf": now() + 1})
        assert send(target, raw).status_code == HTTPStatus.OK

    @pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
    @pytest.mark.parametrize("value", ['"soon"', "null", "[1]", "true", "1e400", "-1e400", "NaN", str(10**30)])
    @pytest.mark.parametrize("target", TARGETS)
    def test_time_claims_of_the_wrong_type_or_out_of_range(self, claims, target, claim, value):
        """Signed with our key, so only a signing bug could make these; they must still fail cleanly."""
        payload = json.dumps({**claims[kind_of(target)], claim: "PLACEHOLDER"}).replace('"PLACEHOLDER"', value)
        raw = craft({"alg": "HS256", "typ": "JWT"}, payload, key=signing_key())
        assert_rejected(lambda: send(target, raw), expected_for(target))


class TestClaims:
    @pytest.mark.parametrize("claim", ["jti", "sid", "ver", "token_type", "user_id", "exp"])
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_missing_claim(self, claims, target, claim):
        payload = {name: value for name, value in claims[kind_of(target)].items() if name != claim}
        assert_rejected(lambda: send(target, sign(payload)), expected_for(target))

    @pytest.mark.parametrize(
        ("claim", "value"),
        [
            ("user_id", "1"),
            ("user_id", [1]),
            ("user_id", {"id": 1}),
            ("user_id", True),
            ("user_id", 1.5),
            ("user_id", 2**64),  # past the database's 64-bit column: the look-up must not fail
            ("user_id", 2**63),
            ("user_id", -1),
            ("sid", 123),
            ("sid", None),
            ("ver", "0"),
            ("ver", None),
            ("ver", False),
            ("jti", 5),
        ],
    )
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_claim_of_the_wrong_type(self, claims, target, claim, value):
        raw = sign({**claims[kind_of(target)], claim: value})
        body = assert_rejected(lambda: send(target, raw))
        assert body["code"] in {"token_not_valid", "user_not_found"}

    @pytest.mark.parametrize("sid", ["not-a-uuid", "", "' OR 1=1 --", "0" * 1000])
    @pytest.mark.parametrize("target", TARGETS)
    def test_a_session_id_that_is_not_a_uuid(self, claims, target, sid):
        raw = sign({**claims[kind_of(target)], "sid": sid})
        assert_rejected(lambda: send(target, raw), expected_for(target))

    @pytest.mark.parametrize("target", TARGETS)
    def test_a_session_id_of_no_session(self, claims, target):
        raw = sign({**claims[kind_of(target)], "sid": str(uuid.uuid4())})
        if target in ACCESS_TARGETS:
            pytest.skip("by design an access token outlives its session by at most ACCESS_TOKEN_LIFETIME")
        assert_rejected(lambda: send(target, raw), REFRESH_REJECTED)

    @pytest.mark.parametrize("target", TARGETS)
    def test_the_user_id_of_a_deleted_user(self, genuine, user, target):
        user.delete()
        assert not Session.objects.exists()
        expected = USER_NOT_FOUND if target in ACCESS_TARGETS else REFRESH_REJECTED
        assert_rejected(lambda: send(target, genuine[kind_of(target)]), expected)

    @pytest.mark.parametrize("target", TARGETS)
    def test_another_users_id_in_a_token_we_signed(self, claims, other_user, target):
        """A token of one session cannot be pointed at another user by its signer's mistake."""
        raw = sign({**claims[kind_of(target)], "user_id": other_user.pk})
        if target in ACCESS_TARGETS:
            pytest.skip("access tokens carry no per-request session check; only the signer can mint them")
        assert_rejected(lambda: send(target, raw), REFRESH_REJECTED)

    @pytest.mark.parametrize("target", TARGETS)
    def test_an_older_token_version(self, claims, user, target):
        User.objects.filter(pk=user.pk).update(token_version=1)
        expected = {"detail": "Token has been revoked.", "code": "token_revoked"}
        if target in REFRESH_TARGETS:
            expected = {"detail": "This session has been revoked. Log in again.", "code": "session_revoked"}
        assert_rejected(lambda: send(target, sign(claims[kind_of(target)])), expected)
