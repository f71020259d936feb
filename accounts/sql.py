"""Hand-written SQL of the hot paths: the request's user, the refresh's lock and rotation.

Every authenticated request needs its user (from accounts/users_cache.py, which
reads it here on a miss), and every logged-in client
refreshes every ``ACCESS_TOKEN_LIFETIME``. Through the ORM, compiling those
queries and running its save machinery was half the cost of a request and two
thirds of a refresh (bench/results.md); written out here they are the same
statements for a fraction of it. Table and column names come from the models'
``_meta``, quoted by the backend; every value is a parameter. The rules stay
in ``accounts/services/`` and ``accounts/authentication.py``; everything
else uses the ORM.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.constants import OnConflict
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Session, User
from accounts.tokens import Claims


def _in_model_order(model: type[Model], names: set[str]) -> tuple[str, ...]:
    """``names`` (attnames) in the model's field order: the order ``Model.from_db`` reads values in."""
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in names)


# What requests need of their user; the rest (password hash, dates, names)
# is deferred: it loads on first use, never as a silent default.
REQUEST_USER_FIELDS = _in_model_order(
    User,
    {
        "id",
        "username",
        "email",
        "unconfirmed_email",
        "email_verified",
        "totp_enabled",
        "passkey_count",
        "is_active",
        "is_staff",
        "is_superuser",
        "token_version",
    },
)
# What refresh reads of the session, and of its user, as it locks the row.
SESSION_FIELDS = _in_model_order(
    Session,
    {
        "id",
        "user_id",
        "created_at",
        "expires_at",
        "revoked_at",
        "remember",
        "current_jti",
        "current_token_id",
        "previous_jti",
        "rotated_at",
        "auth_time",
        "amr",
        # a bound session renews only with a proof from its key (DBSC, DPoP); the key
        # itself loads only when a proof is checked against it
        "binding",
        "bound_jkt",
    },
)
SESSION_USER_FIELDS = _in_model_order(User, {"id", "is_active", "token_version"})
ROTATED_FIELDS = (
    "current_jti",
    "current_token_id",
    "previous_jti",
    "rotated_at",
    "last_used_at",
    "expires_at",
    "auth_time",  # changed by re-authentication, which rotates too
    "amr",
)
TOKEN_FIELDS = ("user_id", "jti", "token", "created_at", "expires_at")


def request_user(user_id: int) -> User | None:
    """The user ``user_id`` with ``REQUEST_USER_FIELDS`` loaded, or ``None``."""
    row = request_user_row(user_id)
    return None if row is None else User.from_db(connection.alias, REQUEST_USER_FIELDS, row)


def request_user_row(user_id: int) -> tuple | None:
    """The values of ``REQUEST_USER_FIELDS`` (in that order) of the user ``user_id``, or ``None``."""
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor).request_user, [user_id])
        return cursor.fetchone()


def lock_session(session_id: str, user_id: int) -> Session | None:
    """The session ``session_id`` of ``user_id``, row-locked until the transaction ends.

    Its ``user`` comes in the same query (``SESSION_USER_FIELDS``). The
    current token's row is not joined: on PostgreSQL a lock that waited for a
    concurrent rotation re-reads the locked row, but a joined one would come
    from the old snapshot. On SQLite the lock is the write lock that
    ``BEGIN IMMEDIATE`` already holds (settings: ``transaction_mode``).
    """
    pk = Session._meta.pk.get_db_prep_value(session_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor).lock_session, [pk, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [_aware(value) for value in row]
    values[0] = Session._meta.pk.to_python(values[0])  # SQLite keeps a UUID as hex text
    session = Session.from_db(connection.alias, SESSION_FIELDS, values[: len(SESSION_FIELDS)])
    session.user = User.from_db(connection.alias, SESSION_USER_FIELDS, values[len(SESSION_FIELDS) :])
    return session


def insert_refresh_token(claims: Claims) -> int:
    """Records an issued refresh token (its claims; never its text); the record's id."""
    adapt = connection.ops.adapt_datetimefield_value
    values = {
        "user_id": claims.user_id,
        "jti": claims.jti,
        "token": "",
        "created_at": adapt(claims.issued_at),
        "expires_at": adapt(claims.expires_at),
    }
    params = [values[name] for name in TOKEN_FIELDS]
    statements = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statements.insert_token, params)
        return cursor.fetchone()[0] if statements.insert_returns_id else cursor.lastrowid


def save_rotation(session: Session, replaced_token_id: int | None, now: datetime) -> None:
    """Writes a rotated ``session``'s ``ROTATED_FIELDS`` and blacklists the token it replaced.

    Two statements; with ``insert_refresh_token`` for the successor, a rotation is three writes.
    """
    statements = _statements(connection.vendor)
    with connection.cursor() as cursor:
        values = [_db_value(session, name) for name in ROTATED_FIELDS]
        cursor.execute(statements.update_rotated, [*values, _db_value(session, "id")])
        # After the session has moved on: blacklisting a session's current token
        # revokes the session (accounts/revocation/blacklist.py), and this one no longer is.
        if replaced_token_id is not None:
            cursor.execute(
                statements.blacklist_token, [replaced_token_id, connection.ops.adapt_datetimefield_value(now)]
            )


def blacklist_current_tokens(sessions: QuerySet[Session], now: datetime) -> None:
    """Blacklists the current refresh token of every session in ``sessions``, in one statement.

    ``INSERT ... SELECT`` keeps logout-all at one statement for any number of
    sessions; the ORM has no such bulk insert.
    """
    token_ids_sql, params = sessions.values("current_token_id").query.sql_with_params()
    quote = connection.ops.quote_name
    blacklist = quote(BlacklistedToken._meta.db_table)
    token, blacklisted_at, current_token = _column(BlacklistedToken, "token", "blacklisted_at") + _column(
        Session, "current_token_id"
    )
    statement = (
        f"INSERT INTO {blacklist} ({token}, {blacklisted_at}) "  # noqa: S608
        f"SELECT s.{current_token}, %s FROM ({token_ids_sql}) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {blacklist} b WHERE b.{token} = s.{current_token})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [connection.ops.adapt_datetimefield_value(now), *params])


# Internals ---------------------------------------------------------------------


@dataclass(frozen=True)
class Statements:
    request_user: str
    lock_session: str
    insert_token: str
    insert_returns_id: bool
    blacklist_token: str
    update_rotated: str


def _aware(value: object) -> object:
    # SQLite hands back naive UTC datetimes (the ORM's converters would add the zone).
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _db_value(instance: Model, name: str) -> object:
    field = instance._meta.get_field(name)
    return field.get_db_prep_value(getattr(instance, field.attname), connection)


def _column(model: type[Model], *names: str) -> tuple[str, ...]:
    return tuple(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


def _qualified(model: type[Model], names: tuple[str, ...]) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    return ", ".join(f"{table}.{column}" for column in _column(model, *names))


@cache
def _statements(vendor: str) -> Statements:
    """The statements in ``vendor``'s dialect, built once per process."""
    ops, features = connection.ops, connection.features
    quote = ops.quote_name
    users, sessions = quote(User._meta.db_table), quote(Session._meta.db_table)
    (user_pk,) = _column(User, "id")
    session_pk, session_user = _column(Session, "id", "user_id")

    lock_session = (
        f"SELECT {_qualified(Session, SESSION_FIELDS)}, {_qualified(User, SESSION_USER_FIELDS)} "  # noqa: S608
        f"FROM {sessions} INNER JOIN {users} ON {users}.{user_pk} = {sessions}.{session_user} "
        f"WHERE {sessions}.{session_pk} = %s AND {sessions}.{session_user} = %s"
    )
    if features.has_select_for_update:
        # The session row only: the user row stays free for logins and logout-all.
        lock_session += " " + ops.for_update_sql(of=(sessions,) if features.has_select_for_update_of else ())

    insert_returns_id = features.can_return_columns_from_insert
    token_table = quote(OutstandingToken._meta.db_table)
    token_columns = ", ".join(_column(OutstandingToken, *TOKEN_FIELDS))
    placeholders = ", ".join(["%s"] * len(TOKEN_FIELDS))
    insert_token = f"INSERT INTO {token_table} ({token_columns}) VALUES ({placeholders})"  # noqa: S608
    if insert_returns_id:
        insert_token += f" RETURNING {_column(OutstandingToken, 'id')[0]}"

    blacklist_columns = ", ".join(_column(BlacklistedToken, "token", "blacklisted_at"))
    blacklist_token = " ".join(
        part
        for part in (
            ops.insert_statement(on_conflict=OnConflict.IGNORE),
            f"{quote(BlacklistedToken._meta.db_table)} ({blacklist_columns}) VALUES (%s, %s)",
            ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], []),
        )
        if part
    )
    assignments = ", ".join(f"{column} = %s" for column in _column(Session, *ROTATED_FIELDS))
    return Statements(
        request_user=f"SELECT {_qualified(User, REQUEST_USER_FIELDS)} FROM {users} WHERE {users}.{user_pk} = %s",  # noqa: S608
        lock_session=lock_session,
        insert_token=insert_token,
        insert_returns_id=insert_returns_id,
        blacklist_token=blacklist_token,
        update_rotated=f"UPDATE {sessions} SET {assignments} WHERE {session_pk} = %s",  # noqa: S608
    )
