"""The user's account: registration, passwords, re-authentication, deletion.

Everything here that touches sessions goes through ``sessions.py``, so its
rules (rotation, revocation and whatever records revocations) hold.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import selectors, signals
from accounts.client import ClientInfo
from accounts.exceptions import USERNAME_TAKEN
from accounts.models import Session, User
from accounts.revocation import runtime as revocations
from accounts.services.issuing import session_create, session_reissue
from accounts.services.revoking import session_revoke, user_sessions_revoke_all, users_sessions_revoke_all
from accounts.tokens import PASSWORD, IssuedTokens


def user_register(
    *, username: str, password: str | None, email: str = "", client: ClientInfo, amr: Sequence[str] = (PASSWORD,)
) -> tuple[User, IssuedTokens]:
    """Creates a user and logs them in: a new session (authenticated by ``amr``) and its first token pair.

    ``password=None``: an account with no usable password, whose first way in
    another app adds in the same transaction (a passkey-only sign-up, mfa/passkeys/sign_up.py).

    An address another account holds (its mailbox, however spelled) never
    becomes this account's: it is kept aside as ``unconfirmed_email``, shown
    back as if it were free, so that registering tells nobody whether an
    address has an account (accounts/models.py). The work is the same either
    way; the mail that follows (a verification link, or a word to the
    address's owner) is built after the answer (``signals.registered``).
    """
    email = User.normalize_email(email)
    held = bool(email) and selectors.email_holder(address=email) is not None
    while True:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    email="" if held else email,
                    unconfirmed_email=email if held else "",
                )
                tokens = session_create(user=user, client=client, sign_in=False, amr=amr)
                transaction.on_commit(lambda user=user: signals.registered.send(sender=User, user=user, client=client))
            return user, tokens
        except IntegrityError as exc:
            # Lost a race with another registration of the same name or mailbox.
            if held or not email or selectors.username_taken(username=username):
                raise ValidationError({"username": [USERNAME_TAKEN]}) from exc
            held = True


def user_username_change(*, user: User, username: str) -> User:
    """Renames ``user``: the new name signs in from now on, the old one no longer does.

    Sessions go on (the tokens carry the user's id, not the name); every
    server's user cache drops the old row through the user-change trigger.
    """
    user.username = username
    try:
        with transaction.atomic():
            user.save(update_fields=["username"])
    except IntegrityError as exc:  # another account took a name that folds alike meanwhile
        raise ValidationError({"username": [USERNAME_TAKEN]}) from exc
    return user


def user_password_change(
    *, user: User, session_id: str, new_password: str, client: ClientInfo | None = None
) -> IssuedTokens:
    """Sets a new password, revokes every other session and re-issues this one's tokens."""
    with transaction.atomic():
        user.set_password(new_password)
        tokens = user_other_sessions_end(user=user, session_id=session_id, also_save=("password",))
        transaction.on_commit(lambda: signals.password_changed.send(sender=User, user=user, client=client, reset=False))
    return tokens


def user_other_sessions_end(*, user: User, session_id: str, also_save: Sequence[str] = ()) -> IssuedTokens:
    """Ends every session of ``user`` but ``session_id``, and every token issued before; re-issues this one's.

    After a change that older sessions must not outlive (a new password,
    two-factor turned on); ``also_save``: fields of ``user`` the change set,
    saved in the same UPDATE. Raises ``SessionRevoked`` when ``session_id``
    is not live.
    """
    now = timezone.now()
    with transaction.atomic():
        user.token_version = F("token_version") + 1
        user.save(update_fields=["token_version", *also_save])
        user.refresh_from_db(fields=["token_version"])
        # The new version is the floor: this session's re-issued tokens carry it.
        revocations.record_users(User.objects.filter(pk=user.pk), now)
        session_revoke(sessions=Session.objects.filter(user_id=user.pk).exclude(pk=session_id))
        return session_reissue(user=user, session_id=session_id, now=now)


def user_password_reset(*, user: User, new_password: str | None, client: ClientInfo | None = None) -> int:
    """Sets a new password and signs the user out everywhere: every session and issued token dies.

    ``None`` makes the password unusable (the admin's "disable password-based
    authentication"). One transaction, a constant number of statements however
    many sessions the user has; returns how many sessions were revoked.
    ``client`` is who set it (for the notice).
    """
    with transaction.atomic():
        if new_password is None:
            user.set_unusable_password()
        else:
            user.set_password(new_password)
        user.save(update_fields=["password"])
        revoked = user_sessions_revoke_all(user=user)
        transaction.on_commit(lambda: signals.password_changed.send(sender=User, user=user, client=client, reset=True))
    return revoked


def user_reauthenticate(*, user: User, session_id: str, methods: Sequence[str]) -> IssuedTokens:
    """Records that the user just proved who they are (``methods``) and re-issues the session's tokens."""
    with transaction.atomic():
        return session_reissue(user=user, session_id=session_id, now=timezone.now(), authenticated=methods)


def user_delete(*, user: User) -> None:
    """Deletes the user with their sessions, token records and posts.

    ``User.delete()`` logs the user out everywhere first (``users_sessions_clear``),
    as does deleting a queryset of users (the admin's bulk delete).
    """
    with transaction.atomic():
        user.delete()


def users_sessions_clear(*, user_ids: list[int]) -> None:
    """Logs the users out everywhere and deletes their sessions and token records, ahead of deleting the users.

    Every session is revoked first, so that whatever follows revocations
    (other processes, other servers) learns of it like any other sign-out.
    A constant number of statements however many users and sessions: the
    rows go in plain DELETEs, not through the deletion collector's SELECTs
    of every token ever issued to the users.
    """
    with transaction.atomic():
        users_sessions_revoke_all(users=user_ids)
        Session.objects.filter(user_id__in=user_ids).delete_revoked()
        BlacklistedToken.objects.filter(token__user_id__in=user_ids).delete()
        # Nothing refers to these rows any more: one plain DELETE.
        tokens = OutstandingToken.objects.filter(user_id__in=user_ids)
        tokens._raw_delete(tokens.db)
