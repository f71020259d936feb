"""Signing in with a provider and linking identities: the rules, free of HTTP.

The trip: ``login_start`` keeps a ``PendingLogin`` (state, nonce, PKCE
verifier) whose secret the browser holds in an httpOnly cookie;
``login_finish`` takes it back exactly once (deleted in the same statement
that finds it), trades the code, checks the ID token and says whom it proves.

Whom (``identity_user``), in this order — each rule closes a takeover:

1. a linked identity (provider, ``sub``) signs in to its account: ``sub``,
   never the address, names the person at the provider;
2. an unknown identity links to an existing account automatically only when
   the provider asserts ``email_verified: true`` for an address that is
   verified *here* too: someone who registered the victim's address at a
   careless provider, or here without reading its mail, gains nothing;
3. an address that belongs to an account here otherwise: refused
   (``AccountExists``); its owner signs in and links from /account/;
4. no account has the address: a new account (no usable password).
"""

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit, identity, selectors, signals
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tokens import ONE_TIME_CODE, PROVIDER_ASSERTED_METHODS
from providers import audit as provider_audit
from providers import oidc
from providers.conf import Provider
from providers.exceptions import (
    AccountExists,
    AccountInactive,
    FlowInvalid,
    IdentityNotFound,
    IdentityTaken,
    LastSignInMethod,
)
from providers.models import ExternalIdentity, PendingLogin

PENDING_LIFETIME = timedelta(minutes=10)
SECRET_MAX_LENGTH = 128
USERNAME_MAX_LENGTH = 30
USERNAME_FALLBACK = "user"
NOT_USERNAME_CHARACTERS = re.compile(r"[^\w.@+-]")


@dataclass(frozen=True)
class ProvenIdentity:
    """What the provider vouched for: its ``sub``, the claims, and the methods it asserts (``amr``)."""

    provider: Provider
    subject: str
    claims: dict
    amr: tuple[str, ...]

    @property
    def email(self) -> str:
        value = self.claims.get("email")
        if not isinstance(value, str) or not value:
            return ""
        try:
            return User.normalize_email(value)
        except ValidationError:
            return ""

    @property
    def email_verified(self) -> bool:
        # Only a JSON true: "true" or 1 from a sloppy provider proves nothing.
        return self.claims.get("email_verified") is True


@dataclass(frozen=True)
class FinishedLogin:
    identity: ProvenIdentity
    next_path: str
    linking_user: User | None  # set: a signed-in user is linking this identity


def login_start(*, provider: Provider, next_path: str = "", user: User | None = None) -> tuple[str, str]:
    """A new trip to ``provider``: the URL to send the browser to, and the secret for its cookie."""
    request = oidc.authorization(provider)
    secret, now = secrets.token_urlsafe(32), timezone.now()
    with transaction.atomic():
        PendingLogin.objects.filter(expires_at__lte=now).delete()  # trips never finished
        PendingLogin.objects.create(
            id=_digest(secret),
            provider_id=provider.id,
            state=request.state,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
            next_path=next_path,
            user=user,
            created_at=now,
            expires_at=now + PENDING_LIFETIME,
        )
    return request.url, secret


def login_finish(*, provider: Provider, secret: str | None, state: str, code: str) -> FinishedLogin:
    """Checks the provider's answer against the trip this browser started; whom it proves.

    ``FlowInvalid`` when no live trip of this browser has this ``state``
    (forged, another browser's, replayed, expired); an ``oidc.OidcError``
    when the code or the ID token is refused or the provider is down.
    """
    pending = _pending_take(provider=provider, secret=secret, state=state)
    token = oidc.exchange(provider, code=code, code_verifier=pending.code_verifier)
    claims = oidc.id_token_claims(provider, id_token=token["id_token"], nonce=pending.nonce)
    if ("email" not in claims or "email_verified" not in claims) and isinstance(token.get("access_token"), str):
        extra = oidc.userinfo(provider, access_token=token["access_token"], subject=claims["sub"])
        claims = {**{k: v for k, v in extra.items() if k not in claims}, **claims}
    amr = asserted_methods(claims.get("amr"))
    proven = ProvenIdentity(provider=provider, subject=claims["sub"], claims=claims, amr=amr)
    return FinishedLogin(identity=proven, next_path=pending.next_path, linking_user=pending.user)


def asserted_methods(asserted) -> tuple[str, ...]:
    """What the provider says it checked (its ``amr``), as the session's ``amr`` may carry it after ``ext``.

    Only RFC 8176's registered values, each once. The provider's ``otp`` is
    told as ``mfa``: in this site's ``amr``, ``otp`` means *our* second
    factor, which a sensitive action may ask for (mfa/permissions.py), and a
    code typed at the provider is not that.
    """
    if not isinstance(asserted, list):
        return ()
    methods = []
    for each in asserted:
        method = "mfa" if each == ONE_TIME_CODE else each
        if isinstance(method, str) and method in PROVIDER_ASSERTED_METHODS and method not in methods:
            methods.append(method)
    return tuple(methods)


def _pending_take(*, provider: Provider, secret: str | None, state: str) -> PendingLogin:
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX_LENGTH:
        raise FlowInvalid()
    with transaction.atomic():
        pending = (
            PendingLogin.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=_digest(secret), provider_id=provider.id, expires_at__gt=timezone.now())
            .first()
        )
        if pending is None:
            raise FlowInvalid()
        # One answer per trip, whatever it is: a second callback finds nothing, and of two at once (SQLite
        # takes no row lock) the one whose DELETE comes second deletes nothing.
        if PendingLogin.objects.filter(pk=pending.pk).delete()[0] == 0:
            raise FlowInvalid()
    if not secrets.compare_digest(pending.state, state or ""):
        raise FlowInvalid()
    return pending


def identity_user(*, proven: ProvenIdentity, client: ClientInfo) -> User:
    """The account ``proven`` signs in to, linked or created by the rules in the module docstring."""
    linked = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider_id=proven.provider.id, subject=proven.subject)
        .first()
    )
    if linked is not None:
        return _used(linked, proven)
    address = proven.email
    holder = selectors.email_holder(address=address) if address else None
    if holder is not None:
        if proven.email_verified and holder.email_verified:
            identity_link(user=holder, proven=proven, client=client, automatic=True)
            return _active(holder)
        raise AccountExists()
    return _account_create(proven=proven, client=client)


def identity_link(
    *, user: User, proven: ProvenIdentity, client: ClientInfo | None, automatic: bool = False
) -> ExternalIdentity:
    """Links ``proven`` to ``user``: audited, and a notice to the account's address.

    ``IdentityTaken`` when it already signs in to another account; linking
    it again to the same account changes nothing.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            linked, created = ExternalIdentity.objects.get_or_create(
                provider_id=proven.provider.id,
                subject=proven.subject,
                defaults={"user": user, "email": proven.email, "linked_at": now, "last_used_at": now},
            )
            if linked.user_id != user.pk:
                raise IdentityTaken()
            if created:
                audit.audit(
                    provider_audit.IDENTITY_LINKED,
                    client=client,
                    user_id=user.pk,
                    provider=proven.provider.id,
                    identity_id=linked.pk,
                    automatic=automatic,
                )
                signals.security_event.send(
                    sender=ExternalIdentity, user=user, kind="provider_linked", client=client, name=proven.provider.name
                )
    except IntegrityError as exc:  # a race with another link of the same identity
        raise IdentityTaken() from exc
    return linked


def identity_unlink(
    *, user: User, identity_id: int, provider_names: dict[str, str], client: ClientInfo, by_admin: int | None = None
) -> None:
    """Removes one of ``user``'s identities, unless it is the last way in (no usable password, no passkey).

    ``by_admin``: the staff member's id when the admin unlinks it (the audit line says so).
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)  # two unlinks at once leave one way in
        identities = list(ExternalIdentity.objects.filter(user=locked))
        target = next((each for each in identities if each.pk == identity_id), None)
        if target is None:
            raise IdentityNotFound()
        if len(identities) == 1 and not locked.has_usable_password() and not locked.passkey_count:
            raise LastSignInMethod()
        target.delete()
        by = {"by": "admin", "admin_id": by_admin} if by_admin is not None else {}
        audit.audit(
            provider_audit.IDENTITY_UNLINKED,
            client=client,
            user_id=user.pk,
            provider=target.provider_id,
            identity_id=identity_id,
            **by,
        )
        signals.security_event.send(
            sender=ExternalIdentity,
            user=locked,
            kind="provider_unlinked",
            client=client,
            name=provider_names.get(target.provider_id, target.provider_id),
        )


def identities_of(*, user: User) -> list[ExternalIdentity]:
    return list(ExternalIdentity.objects.filter(user=user).order_by("linked_at", "pk"))


def _used(linked: ExternalIdentity, proven: ProvenIdentity) -> User:
    user = _active(linked.user)
    changed = {"last_used_at": timezone.now()}
    if proven.email and proven.email != linked.email:
        changed["email"] = proven.email
    ExternalIdentity.objects.filter(pk=linked.pk).update(**changed)
    return user


def _active(user: User) -> User:
    if not user.is_active:
        raise AccountInactive()
    return user


def _account_create(*, proven: ProvenIdentity, client: ClientInfo) -> User:
    """A new account for ``proven``: a free username from its claims, its address, no usable password."""
    address = proven.email
    for attempt in range(20):
        username = username_proposal(proven.claims, attempt=attempt)
        if selectors.username_taken(username=username):
            continue
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    password=None,
                    email=address,
                    email_verified=bool(address) and proven.email_verified,
                )
                ExternalIdentity.objects.create(
                    user=user,
                    provider_id=proven.provider.id,
                    subject=proven.subject,
                    email=address,
                    linked_at=timezone.now(),
                    last_used_at=timezone.now(),
                )
                audit.audit(
                    provider_audit.PROVIDER_ACCOUNT_CREATED, client=client, user_id=user.pk, provider=proven.provider.id
                )
                # The usual welcome: a verification link when the provider did not vouch for the address.
                transaction.on_commit(lambda user=user: signals.registered.send(sender=User, user=user, client=client))
            return user
        except IntegrityError as exc:
            if ExternalIdentity.objects.filter(provider_id=proven.provider.id, subject=proven.subject).exists():
                raise IdentityTaken() from exc  # the same person's other tab won the race
            if address and selectors.email_holder(address=address) is not None:
                raise AccountExists() from exc
    raise IdentityTaken("No free username could be found; try again.")


def username_proposal(claims: dict, *, attempt: int = 0) -> str:
    """A username from the claims (``preferred_username``, the address's local part, ``name``), with a suffix."""
    base = ""
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    for candidate in (claims.get("preferred_username"), email.partition("@")[0], claims.get("name")):
        if isinstance(candidate, str):
            cleaned = NOT_USERNAME_CHARACTERS.sub("", unicodedata.normalize("NFKC", candidate.replace(" ", ".")))
            if cleaned and identity.username_problem(cleaned) is None:
                base = cleaned
                break
    base = (base or USERNAME_FALLBACK)[:USERNAME_MAX_LENGTH]
    if attempt == 0:
        return base
    suffix = str(attempt + 1) if attempt < 5 else secrets.token_hex(3)
    return f"{base[: USERNAME_MAX_LENGTH - len(suffix) - 1]}-{suffix}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
