"""Signing in with a provider and linking identities: the rules, free of HTTP.

The trip to the provider and back is providers/trips.py; here, whom the
identity it proves signs in to, and linking and unlinking by hand.

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

import re
import secrets
import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit, identity, selectors, signals, ways_in
from accounts.client import ClientInfo
from accounts.models import User
from providers import audit as provider_audit
from providers.exceptions import (
    AccountExists,
    AccountInactive,
    IdentityNotFound,
    IdentityTaken,
    LastSignInMethod,
)
from providers.models import ExternalIdentity
from providers.trips import ProvenIdentity

USERNAME_MAX_LENGTH = 30
USERNAME_FALLBACK = "user"
NOT_USERNAME_CHARACTERS = re.compile(r"[^\w.@+-]")


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
    """Removes one of ``user``'s identities, unless it is the last way in (``accounts.ways_in``).

    ``by_admin``: the staff member's id when the admin unlinks it (the audit line says so).
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)  # two unlinks at once leave one way in
        identities = list(ExternalIdentity.objects.filter(user=locked))
        target = next((each for each in identities if each.pk == identity_id), None)
        if target is None:
            raise IdentityNotFound()
        if ways_in.ways_in(locked) <= 1:
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
