"""Passkey-only sign-up: an account whose one way in is a passkey, with no password at all.

Two steps, as any passkey registration: ``passkey_sign_up_begin`` takes the
username and address (checked as ``POST /api/auth/register/`` checks them)
and gives creation options whose challenge row holds them (``pending``);
``passkey_sign_up`` verifies the attestation against that challenge and
creates the account through accounts' own registration (the same rules for a
taken address: kept aside, never revealed, its owner told) with the passkey,
in one transaction, signed in with ``amr=["webauthn"]``. The username and
address come from the challenge row, never from the second request, so an
attestation cannot be replayed onto other details.

Recovery: the address gets the usual verification mail; a user who loses
the passkey asks for a password reset (``/password-reset/``), which sets a
password on the account (docs/passkeys.md).
"""

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from accounts import services as accounts_services
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tokens import PASSKEY, IssuedTokens
from mfa.exceptions import PasskeyAlreadyRegistered
from mfa.models import Passkey
from mfa.passkeys import challenges, webauthn
from mfa.passkeys.challenges import Purpose
from mfa.passkeys.services import USER_HANDLE_BYTES, Ceremony, passkey_keep


@dataclass(frozen=True)
class SignedUp:
    user: User
    passkey: Passkey
    tokens: IssuedTokens


def passkey_sign_up_begin(*, username: str, email: str) -> Ceremony:
    """Creation options for the first passkey of an account still to be made (``username``, ``email``)."""
    handle = secrets.token_bytes(USER_HANDLE_BYTES)
    options, challenge = webauthn.registration_options(user_handle=handle, username=username, existing=[])
    secret = challenges.challenge_create(
        purpose=Purpose.SIGN_UP,
        challenge=challenge,
        user_handle=handle,
        pending={"username": username, "email": email},
    )
    return Ceremony(options=options, secret=secret)


def passkey_sign_up(*, secret: str | None, credential: dict, name: str, client: ClientInfo) -> SignedUp:
    """Verifies the attestation against the sign-up challenge; creates the account, its passkey and its session.

    Raises a ``CeremonyError`` (the challenge, origin, RP ID, attestation),
    ``PasskeyAlreadyRegistered``, or ``ValidationError`` (``username``) when
    the name was taken between the two steps. Nothing is created then.
    """
    challenge = challenges.challenge_consume(secret=secret, purpose=Purpose.SIGN_UP)
    stored = webauthn.verify_registration(credential=credential, challenge=bytes(challenge.challenge))
    pending = challenge.pending
    try:
        with transaction.atomic():
            user, tokens = accounts_services.user_register(
                username=pending["username"], password=None, email=pending["email"], client=client, amr=(PASSKEY,)
            )
            passkey = passkey_keep(user=user, stored=stored, user_handle=bytes(challenge.user_handle), name=name)
            user.passkey_count = 1
    except IntegrityError as exc:  # this credential is some account's passkey already
        raise PasskeyAlreadyRegistered() from exc
    return SignedUp(user=user, passkey=passkey, tokens=tokens)
