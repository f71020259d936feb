"""Database triggers that record every change to a user's cached columns in the revocations table.

The user cache (accounts/users_cache.py) holds ``REQUEST_USER_FIELDS``; every
process must drop a user whose row changed, whoever changed it: a service, the
admin, a bulk ``update()``, a data migration, someone in ``psql``. A trigger
cannot be forgotten: an ``UPDATE`` that changes one of those columns, or a
``DELETE``, inserts a row in the same transaction, a user floor at the user's
current ``token_version``. Such a floor rejects no token the user row would
accept (it only repeats what the row says), so it is safe for every reader of
the feed, and every follower that reads it drops the user from its cache.

The triggers are (re)created after every ``migrate`` (``post_migrate``), from
the model's ``_meta``: a migration that rebuilds the table (SQLite rebuilds it
for most column changes, dropping its triggers) or adds a cached column gets
them back, matching the model. SQLite and PostgreSQL only; on another database
the user cache stays off (``supported``).
"""

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

from accounts import conf, sql
from accounts.models import User
from accounts.revocation.models import Revocation

SUPPORTED = ("sqlite", "postgresql")
CHANGED, DELETED = "accounts_user_changed", "accounts_user_deleted"
FUNCTION = "accounts_user_changed"
# The migration that first made them: before it (a database migrated backwards past it) there are none.
MIGRATION = ("accounts", "0009_user_change_triggers")


def supported(vendor: str) -> bool:
    return vendor in SUPPORTED


def install(using: str = "default", user_model: type[Model] = User, revocation_model: type[Model] = Revocation) -> bool:
    """Creates (or re-creates) the triggers on ``using``; whether the database has them now.

    ``user_model`` and ``revocation_model`` may be a migration's historical
    models: only the cached columns they have are watched.
    """
    connection = connections[using]
    if not supported(connection.vendor):
        return False
    tables = set(connection.introspection.table_names())
    if not {user_model._meta.db_table, revocation_model._meta.db_table} <= tables:
        return False  # migrated backwards, past the tables
    with connection.cursor() as cursor:
        for statement in statements(connection, user_model, revocation_model):
            cursor.execute(statement)
    return True


def drop(using: str = "default") -> None:
    """Removes the triggers from ``using`` (before migrations change the table they watch)."""
    connection = connections[using]
    if not supported(connection.vendor):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in (CHANGED, DELETED):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif User._meta.db_table in connection.introspection.table_names():
            table = connection.ops.quote_name(User._meta.db_table)
            for name in (CHANGED, DELETED):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def installed(using: str = "default") -> set[str]:
    """The names of this module's triggers present on ``using``."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)", [CHANGED, DELETED]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname IN (%s, %s)", [CHANGED, DELETED]
            )
        else:
            return set()
        return {name for (name,) in cursor.fetchall()}


def statements(connection, user_model: type[Model] = User, revocation_model: type[Model] = Revocation) -> list[str]:
    """The DDL for ``connection``'s database, built from the models' ``_meta``."""
    quote = connection.ops.quote_name
    user_fields = {field.name for field in user_model._meta.concrete_fields}
    users, revocations = quote(user_model._meta.db_table), quote(revocation_model._meta.db_table)
    cached = [
        quote(user_model._meta.get_field(name).column)
        for name in sql.REQUEST_USER_FIELDS
        if name != "id" and name in user_fields
    ]
    user_id, version = (quote(user_model._meta.get_field(name).column) for name in ("id", "token_version"))
    into = "{} ({})".format(
        revocations, ", ".join(quote(revocation_model._meta.get_field(name).column) for name in _RECORD_FIELDS)
    )
    # Kept as long as a revocation is: no reader that is still current can be further behind.
    keep = int(conf.ACCESS_TOKEN_LIFETIME + conf.JWT_LEEWAY + 1)
    columns = ", ".join(cached)
    if connection.vendor == "sqlite":
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in cached)
        # Django keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
        now, until = "strftime('%Y-%m-%d %H:%M:%f', 'now')", f"strftime('%Y-%m-%d %H:%M:%f', 'now', '+{keep} seconds')"

        def record(row: str) -> str:
            return f"INSERT INTO {into} VALUES ({row}.{user_id}, {row}.{version}, {now}, {until});"  # noqa: S608

        return [
            f"DROP TRIGGER IF EXISTS {CHANGED}",
            f"CREATE TRIGGER {CHANGED} AFTER UPDATE OF {columns} ON {users} FOR EACH ROW "
            f"WHEN {changed} BEGIN {record('NEW')} END",
            f"DROP TRIGGER IF EXISTS {DELETED}",
            f"CREATE TRIGGER {DELETED} AFTER DELETE ON {users} FOR EACH ROW BEGIN {record('OLD')} END",
        ]
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in cached)
    until = f"now() + interval '{keep} seconds'"
    # Every name comes from the models' _meta, quoted; there is no outside value here.
    return [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                INSERT INTO {into} VALUES (OLD.{user_id}, OLD.{version}, now(), {until});
            ELSE
                INSERT INTO {into} VALUES (NEW.{user_id}, NEW.{version}, now(), {until});
            END IF;
            RETURN NULL;
        END $$""",  # noqa: S608
        f"DROP TRIGGER IF EXISTS {CHANGED} ON {users}",
        f"CREATE TRIGGER {CHANGED} AFTER UPDATE OF {columns} ON {users} FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION {FUNCTION}()",
        f"DROP TRIGGER IF EXISTS {DELETED} ON {users}",
        f"CREATE TRIGGER {DELETED} AFTER DELETE ON {users} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
    ]


_RECORD_FIELDS = ("user_id", "min_ver", "created_at", "until")


def on_pre_migrate(sender, using: str = "default", **kwargs) -> None:
    """``pre_migrate`` receiver (accounts/apps.py): no trigger while migrations change the table.

    A trigger names the columns it watches: dropping or renaming one of them
    fails while it exists (PostgreSQL refuses, SQLite too). ``post_migrate``
    makes them again.
    """
    drop(using)


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` receiver (accounts/apps.py): the triggers, after every ``migrate`` and ``flush``.

    ``flush`` (no ``plan``) empties every table, the users' after the
    revocations' on SQLite: what the triggers recorded of that is dropped.
    """
    connection = connections[using]
    if "plan" not in kwargs and Revocation._meta.db_table in connection.introspection.table_names():
        Revocation.objects.using(using).all()._raw_delete(using)
    if MIGRATION in MigrationRecorder(connection).applied_migrations():
        apps = kwargs.get("apps")
        if apps is None:
            install(using)
        else:  # the state migrate left: a column not there yet is not watched yet
            install(using, apps.get_model("accounts", "User"), apps.get_model("accounts", "Revocation"))
