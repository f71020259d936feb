"""simplejwt's blacklist as a record that refuses: blacklisting a session's current token revokes the session.

Refresh rotation keeps simplejwt's ledger (API.md: "every successful refresh
blacklists the presented refresh token"): ``OutstandingToken`` holds every
refresh token issued (its claims, never its text) and ``BlacklistedToken``
every one rotated away or revoked (accounts/sql.py writes both). Refresh
itself trusts the session row (one locked read). So that the ledger never
says "blacklisted" of a token that still works, a database trigger turns a
blacklisting of a session's *current* refresh token, whoever writes it (the
ORM, simplejwt's ``RefreshToken.blacklist()``, a ``bulk_create``, a script,
someone in ``psql``), into a revocation of that session in the same
transaction: the session is marked revoked (its refresh token then answers
401 ``session_revoked``) and a row is recorded in the revocations table, from
which every process's view learns it within the revocation reach.

accounts' own writes never trip it: rotation moves the session to its
successor before it blacklists the predecessor (``sql.save_rotation``), and a
revocation marks its sessions revoked before it blacklists their tokens. So
the hot path pays one index probe inside a statement it already runs, and no
statement more.

A blacklisting through the ORM (``post_save``) also reaches this process's
view on commit and wakes the other processes (Redis), as a service's
revocation does; one written around the ORM reaches them by their next read
of the table (0.25 s polling, or the 1 s reconciling read with Redis). On a
database other than SQLite and PostgreSQL there is no trigger, and the
``post_save`` receiver revokes through the services instead (ORM writes only).

Made like accounts/revocation/triggers.py: from the models' ``_meta``, again
after every ``migrate`` (``post_migrate``), dropped while migrations run.
"""

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts import conf
from accounts.revocation.models import Revocation

SUPPORTED = ("sqlite", "postgresql")
TRIGGER = FUNCTION = "accounts_token_blacklisted"
# The migration that first made it: before it (a database migrated backwards past it) there is none.
MIGRATION = ("accounts", "0010_blacklist_revokes")


def supported(vendor: str) -> bool:
    return vendor in SUPPORTED


def install(
    using: str = "default",
    session_model: type[Model] | None = None,
    revocation_model: type[Model] = Revocation,
    blacklist_model: type[Model] = BlacklistedToken,
) -> bool:
    """Creates (or re-creates) the trigger on ``using``; whether the database has it now."""
    from accounts.models import Session

    session_model = session_model or Session
    connection = connections[using]
    if not supported(connection.vendor):
        return False
    tables = {model._meta.db_table for model in (session_model, revocation_model, blacklist_model)}
    if not tables <= set(connection.introspection.table_names()):
        return False  # migrated backwards, past the tables
    with connection.cursor() as cursor:
        for statement in statements(connection, session_model, revocation_model, blacklist_model):
            cursor.execute(statement)
    return True


def drop(using: str = "default") -> None:
    """Removes the trigger from ``using`` (before migrations change the tables it names)."""
    connection = connections[using]
    if not supported(connection.vendor):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        elif BlacklistedToken._meta.db_table in connection.introspection.table_names():
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {connection.ops.quote_name(_table())}")


def installed(using: str = "default") -> bool:
    """Whether the trigger is present on ``using``."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER])
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE NOT tgisinternal AND tgname = %s", [TRIGGER])
        else:
            return False
        return cursor.fetchone() is not None


def statements(
    connection, session_model: type[Model], revocation_model: type[Model], blacklist_model: type[Model]
) -> list[str]:
    """The DDL for ``connection``'s database, built from the models' ``_meta``."""
    quote = connection.ops.quote_name

    def column(model: type[Model], name: str) -> str:
        return quote(model._meta.get_field(name).column)

    sessions, revocations = quote(session_model._meta.db_table), quote(revocation_model._meta.db_table)
    blacklist = quote(blacklist_model._meta.db_table)
    session_id, current_token, revoked_at = (column(session_model, n) for n in ("id", "current_token", "revoked_at"))
    token = column(blacklist_model, "token")
    into = "{} ({})".format(
        revocations, ", ".join(column(revocation_model, name) for name in ("session_id", "created_at", "until"))
    )
    live = f"{current_token} = NEW.{token} AND {revoked_at} IS NULL"
    # Kept as long as a revocation is (store.until_for): when the last access token it can affect has expired.
    keep = int(conf.ACCESS_TOKEN_LIFETIME + conf.JWT_LEEWAY + 1)
    if connection.vendor == "sqlite":
        # Django keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
        now, until = "strftime('%Y-%m-%d %H:%M:%f', 'now')", f"strftime('%Y-%m-%d %H:%M:%f', 'now', '+{keep} seconds')"
        return [
            f"DROP TRIGGER IF EXISTS {TRIGGER}",
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON {blacklist} FOR EACH ROW "  # noqa: S608
            f"WHEN EXISTS (SELECT 1 FROM {sessions} WHERE {live}) BEGIN "
            f"INSERT INTO {into} SELECT {session_id}, {now}, {until} FROM {sessions} WHERE {live}; "
            f"UPDATE {sessions} SET {revoked_at} = {now} WHERE {live}; END",
        ]
    # Every name comes from the models' _meta, quoted; there is no outside value here.
    return [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            WITH revoked AS (
                UPDATE {sessions} SET {revoked_at} = now() WHERE {live} RETURNING {session_id}
            )
            INSERT INTO {into} SELECT {session_id}, now(), now() + interval '{keep} seconds' FROM revoked;
            RETURN NULL;
        END $$""",  # noqa: S608
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {blacklist}",
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON {blacklist} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
    ]


def on_token_blacklisted(sender, instance: BlacklistedToken, created: bool = False, raw: bool = False, **kwargs):
    """``post_save`` receiver (accounts/apps.py): a blacklisting through the ORM reaches every view at once.

    The trigger has revoked the session in the INSERT; this reads which one
    (one query, never on the hot path: accounts writes the blacklist in SQL)
    and, on commit, puts it in this process's view and wakes the others. It
    is audited (``session_revoked``, ``"by": "blacklist"``); a blacklisting
    written around the ORM revokes just the same, without the audit line.
    """
    if not created or raw:
        return
    from accounts import audit
    from accounts.models import Session
    from accounts.revocation import runtime

    using = kwargs.get("using") or "default"
    if not supported(connections[using].vendor):  # no trigger: revoke the way every service does
        from accounts.services import session_revoke

        session_revoke(sessions=Session.objects.using(using).filter(current_token_id=instance.token_id))
        return
    revoked = Session.objects.using(using).filter(current_token_id=instance.token_id, revoked_at__isnull=False)
    rows = list(revoked.values_list("pk", "user_id"))
    runtime.sessions_revoked_by_database([str(pk) for pk, _ in rows])
    for session_id, user_id in rows:
        audit.audit(audit.SESSION_REVOKED, user_id=user_id, session_id=session_id, by="blacklist")


def on_pre_migrate(sender, using: str = "default", **kwargs) -> None:
    """``pre_migrate`` receiver: no trigger while migrations change the tables it names."""
    drop(using)


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` receiver: the trigger after every ``migrate`` and ``flush``, from the models as they are."""
    connection = connections[using]
    if MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    apps = kwargs.get("apps")
    if apps is None:
        install(using)
    else:
        install(
            using,
            apps.get_model("accounts", "Session"),
            apps.get_model("accounts", "Revocation"),
            apps.get_model("token_blacklist", "BlacklistedToken"),
        )


def _table() -> str:
    return BlacklistedToken._meta.db_table
