"""Passkeys: registering, renaming and removing them, and checking an assertion (sign-in, re-authentication).

``User.passkey_count`` changes in the same transaction as the passkeys, so
``U.mfa.passkeys`` is always right and costs /api/me/ no query.
"""

import hmac
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import signals, ways_in
from accounts.client import ClientInfo
from accounts.models import User
from mfa.exceptions import (
    ClonedAuthenticator,
    InactiveUser,
    LastSignInMethod,
    PasskeyAlreadyRegistered,
    PasskeyVerificationFailed,
    UnknownPasskey,
)
from mfa.models import Passkey
from mfa.passkeys import challenges, webauthn
from mfa.passkeys.challenges import Purpose

USER_HANDLE_BYTES = 32
NAME_MAX_LENGTH = 64


@dataclass(frozen=True)
class Ceremony:
    """The options to hand to the browser, and the secret of the challenge cookie that goes with them."""

    options: dict
    secret: str


def passkey_registration_begin(*, user: User, session_id: str) -> Ceremony:
    """Creation options for a new passkey of ``user``, bound to the session ``session_id``."""
    existing = list(Passkey.objects.filter(user=user))
    # One WebAuthn user id per account, shared by its passkeys; random, so it says nothing about the user.
    handle = bytes(existing[0].user_handle) if existing else secrets.token_bytes(USER_HANDLE_BYTES)
    options, challenge = webauthn.registration_options(
        user_handle=handle, username=user.get_username(), existing=[_stored(passkey) for passkey in existing]
    )
    secret = challenges.challenge_create(
        purpose=Purpose.REGISTER, challenge=challenge, user=user, session_id=session_id, user_handle=handle
    )
    return Ceremony(options=options, secret=secret)


def passkey_register(
    *, user: User, session_id: str, secret: str | None, credential: dict, name: str, client: ClientInfo
) -> Passkey:
    """Verifies the attestation against the session's registration challenge and keeps the passkey.

    A notice goes to the user. Raises a ``CeremonyError`` (the challenge, the
    origin, the RP ID, the attestation) or ``PasskeyAlreadyRegistered``.
    """
    challenge = challenges.challenge_consume(secret=secret, purpose=Purpose.REGISTER, user=user, session_id=session_id)
    stored = webauthn.verify_registration(credential=credential, challenge=bytes(challenge.challenge))
    try:
        with transaction.atomic():
            passkey = passkey_keep(user=user, stored=stored, user_handle=bytes(challenge.user_handle), name=name)
            signals.security_event.send(
                sender=Passkey, user=user, kind="passkey_added", client=client, name=passkey.name
            )
    except IntegrityError as exc:  # the same credential id, registered already
        raise PasskeyAlreadyRegistered() from exc
    return passkey


def passkey_keep(*, user: User, stored: webauthn.StoredCredential, user_handle: bytes, name: str) -> Passkey:
    """A verified credential kept as ``user``'s passkey, the user's count with it (in the caller's transaction).

    Raises ``IntegrityError`` when the credential is some account's passkey already.
    """
    passkey = Passkey.objects.create(
        user=user,
        name=name[:NAME_MAX_LENGTH],
        credential_id=stored.credential_id,
        public_key=stored.public_key,
        aaguid=stored.aaguid,
        sign_count=stored.sign_count,
        transports=stored.transports,
        user_handle=user_handle,
    )
    User.objects.filter(pk=user.pk).update(passkey_count=F("passkey_count") + 1)
    return passkey


def passkey_rename(*, passkey: Passkey, name: str) -> Passkey:
    passkey.name = name[:NAME_MAX_LENGTH]
    passkey.save(update_fields=["name"])
    return passkey


def passkey_delete(*, passkey: Passkey, client: ClientInfo | None) -> bool:
    """Removes a passkey (a notice goes to its owner); whether it was still there.

    Refuses (``LastSignInMethod``) to remove the account's last way in (no password, no other passkey, no
    linked identity: ``accounts.ways_in``).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=passkey.user_id)
        if ways_in.ways_in(user) <= 1:
            raise LastSignInMethod()
        if not Passkey.objects.filter(pk=passkey.pk).delete()[0]:
            return False
        User.objects.filter(pk=user.pk).update(passkey_count=F("passkey_count") - 1)
        signals.security_event.send(sender=Passkey, user=user, kind="passkey_removed", client=client, name=passkey.name)
    return True


def passkey_authentication_begin(*, purpose: str, user: User | None = None, session_id: str | None = None) -> Ceremony:
    """Request options: any passkey of this site (sign-in), or ``user``'s own (re-authentication in ``session_id``)."""
    allowed = None if user is None else [_stored(passkey) for passkey in Passkey.objects.filter(user=user)]
    options, challenge = webauthn.authentication_options(allowed=allowed)
    secret = challenges.challenge_issue(purpose=purpose, challenge=challenge, user=user, session_id=session_id)
    return Ceremony(options=options, secret=secret)


def passkey_authenticate(
    *,
    secret: str | None,
    purpose: str,
    credential: dict,
    user: User | None = None,
    session_id: str | None = None,
) -> Passkey:
    """The passkey that made this assertion for the challenge ``secret`` names; its counter and last use recorded.

    With ``user`` (re-authentication) it must be one of theirs. Raises a
    ``CeremonyError`` (a stale, replayed or foreign ceremony: the client's
    mistake) or a ``CredentialRejected`` (unknown passkey, bad signature, an
    inactive user, or ``ClonedAuthenticator`` when the signature counter did
    not move forward).
    """
    assertion = webauthn.parse_assertion(credential)
    challenge = challenges.challenge_consume(secret=secret, purpose=purpose, user=user, session_id=session_id)
    passkey = Passkey.objects.select_related("user").filter(credential_id=assertion.credential_id).first()
    if passkey is None or (user is not None and passkey.user_id != user.pk):
        raise UnknownPasskey()
    if assertion.user_handle is not None and not hmac.compare_digest(assertion.user_handle, bytes(passkey.user_handle)):
        raise UnknownPasskey()
    try:
        webauthn.verify_assertion(assertion=assertion, challenge=bytes(challenge.challenge), stored=_stored(passkey))
    except PasskeyVerificationFailed as exc:
        exc.passkey = passkey  # whose sign-in failed: it counts toward their ceiling
        raise
    # An authenticator that counts signatures must show a higher count each
    # time; one that does not stays at 0. Anything else is a copy of the key
    # being used alongside the original (WebAuthn §6.1.1).
    counted = assertion.sign_count
    if (counted or passkey.sign_count) and counted <= passkey.sign_count:
        raise ClonedAuthenticator(passkey=passkey, counted=counted)
    # Conditional on the count read above: of two assertions racing with one count, one wins.
    moved = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=counted, last_used_at=timezone.now()
    )
    if not moved:
        raise ClonedAuthenticator(passkey=passkey, counted=counted)
    if not passkey.user.is_active:
        raise InactiveUser()
    return passkey


def _stored(passkey: Passkey) -> webauthn.StoredCredential:
    return webauthn.StoredCredential(
        credential_id=bytes(passkey.credential_id),
        public_key=bytes(passkey.public_key),
        aaguid=passkey.aaguid,
        sign_count=passkey.sign_count,
        transports=list(passkey.transports or []),
    )
