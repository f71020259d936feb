"""DBSC's steps: offer a registration, bind a session to the key that answered it, check a refresh's proof.

The session rules stay in accounts: ``services.session_bind`` binds once and
``services.session_refresh(proof=...)`` rotates a bound session only with a
``KeyProof`` of its key. This module only turns a verified ``dbsc+jwt`` into
that ``KeyProof``.
"""

from django.urls import reverse

from accounts import services as accounts_services
from accounts.binding import DBSC, KeyProof
from accounts.exceptions import InvalidRefreshToken, KeyProofRequired, SessionRevoked
from accounts.models import Session
from accounts.services.revoking import decode_session_token
from accounts.tokens import Claims
from dbsc import challenges, conf, proofs
from dbsc.exceptions import ChallengeInvalid, SessionAlreadyBound, SessionNotBound, SessionRequired


def sf_string(value: str) -> str:
    """``value`` as a Structured Field string (RFC 9651 §3.3.3)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def registration_offer(*, session_id: str) -> str:
    """The ``Secure-Session-Registration`` header value for a new session: the algorithms, the path, a challenge."""
    challenge = challenges.issue(session_id=session_id, purpose=challenges.REGISTRATION)
    algorithms = " ".join(conf.DBSC_ALGORITHMS)
    return f"({algorithms});path={sf_string(reverse('dbsc:register'))};challenge={sf_string(challenge)}"


def refresh_challenge(*, session_id: str) -> str:
    """The ``Secure-Session-Challenge`` header value that asks the browser for a fresh proof."""
    challenge = challenges.issue(session_id=session_id, purpose=challenges.REFRESH)
    return f"{sf_string(challenge)};id={sf_string(session_id)}"


def session_of(raw_refresh: str | None, *, session_header: str | None = None) -> Claims:
    """The claims of the request's refresh cookie; ``SessionRequired`` when it is missing, broken or
    names another session than the browser's ``Sec-Secure-Session-Id`` (an sf-string)."""
    try:
        claims = decode_session_token(raw_refresh or "")
    except InvalidRefreshToken as exc:
        raise SessionRequired() from exc
    if session_header is not None and session_header.strip().strip('"') != claims.sid:
        raise SessionRequired()
    return claims


def session_register(*, raw_refresh: str | None, response_header: str | None) -> Session:
    """Binds the session of ``raw_refresh`` to the key that signed the registration proof in ``response_header``."""
    claims = session_of(raw_refresh)
    proof = proofs.registration_proof(proofs.header_token(response_header))
    if not challenges.redeem(proof.challenge, session_id=claims.sid, purpose=challenges.REGISTRATION):
        raise ChallengeInvalid()
    try:
        return accounts_services.session_bind(
            session_id=claims.sid, user_id=claims.user_id, proof=KeyProof(DBSC, proof.jkt, proof.jwk)
        )
    except SessionRevoked as exc:
        raise SessionRequired() from exc
    except KeyProofRequired as exc:
        raise SessionAlreadyBound() from exc


def refresh_key_proof(claims: Claims, *, response_header: str | None) -> KeyProof:
    """The ``KeyProof`` of a refresh proof signed by the session's stored key for one of its refresh challenges.

    ``ChallengeInvalid`` when the challenge is unknown, used or stale (the
    browser asks again with a new one); ``ProofInvalid`` when another key signed.
    """
    token = proofs.header_token(response_header)
    row = Session.objects.filter(pk=claims.sid, user_id=claims.user_id).values_list("binding", "bound_key").first()
    if row is None:
        raise SessionRequired()
    binding, bound_key = row
    if binding != DBSC or not bound_key:
        raise SessionNotBound()
    proof = proofs.refresh_proof(token, bound_key)
    if not challenges.redeem(proof.challenge, session_id=claims.sid, purpose=challenges.REFRESH):
        raise ChallengeInvalid()
    return KeyProof(DBSC, proof.jkt)
