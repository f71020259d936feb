"""A consistency check of the session tables, read straight from a PostgreSQL database.

What must hold whatever happened to the processes that wrote them (killed
workers, a restarted database, a long soak):

- every live session's current refresh token exists, is the one its
  ``current_jti`` names, and is not blacklisted;
- every revoked session's current token is blacklisted;
- every unexpired refresh token that is not blacklisted is the current token
  of a live session: so no session has two live refresh tokens, and no token
  is left live outside a session (an orphan);
- hence every blacklisted token belongs to a revoked or a rotated-away chain.
"""

from contextlib import closing
from dataclasses import dataclass

SESSION, TOKEN, BLACKLIST = "accounts_session", "token_blacklist_outstandingtoken", "token_blacklist_blacklistedtoken"
LIVE = "s.revoked_at IS NULL AND s.expires_at > now()"
BLACKLISTED = f"EXISTS (SELECT 1 FROM {BLACKLIST} b WHERE b.token_id = t.id)"

VIOLATIONS = {
    "live session without its current token": (
        f"SELECT count(*) FROM {SESSION} s LEFT JOIN {TOKEN} t ON t.id = s.current_token_id "
        f"WHERE {LIVE} AND (t.id IS NULL OR t.jti <> s.current_jti)"
    ),
    "live session whose current token is blacklisted": (
        f"SELECT count(*) FROM {SESSION} s JOIN {TOKEN} t ON t.id = s.current_token_id WHERE {LIVE} AND {BLACKLISTED}"
    ),
    "revoked session whose current token is not blacklisted": (
        f"SELECT count(*) FROM {SESSION} s JOIN {TOKEN} t ON t.id = s.current_token_id "
        f"WHERE s.revoked_at IS NOT NULL AND NOT {BLACKLISTED}"
    ),
    "live refresh token that is no live session's current one": (
        f"SELECT count(*) FROM {TOKEN} t WHERE t.expires_at > now() AND NOT {BLACKLISTED} "
        f"AND NOT EXISTS (SELECT 1 FROM {SESSION} s WHERE s.current_token_id = t.id AND {LIVE})"
    ),
}

COUNTS = {
    "users": "SELECT count(*) FROM accounts_user",
    "sessions": f"SELECT count(*) FROM {SESSION}",
    "live sessions": f"SELECT count(*) FROM {SESSION} s WHERE {LIVE}",
    "revoked sessions": f"SELECT count(*) FROM {SESSION} WHERE revoked_at IS NOT NULL",
    "refresh tokens": f"SELECT count(*) FROM {TOKEN}",
    "blacklisted tokens": f"SELECT count(*) FROM {BLACKLIST}",
    "live refresh tokens": f"SELECT count(*) FROM {TOKEN} t WHERE t.expires_at > now() AND NOT {BLACKLISTED}",
    "posts": "SELECT count(*) FROM posts_post",
}


@dataclass(frozen=True)
class Report:
    violations: dict[str, int]
    counts: dict[str, int]

    @property
    def consistent(self) -> bool:
        return not any(self.violations.values())


def check(database_url: str) -> Report:
    """Runs every check in one REPEATABLE READ snapshot of ``database_url``."""
    import psycopg

    with closing(psycopg.connect(database_url)) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with connection.transaction():

            def scalar(sql: str) -> int:
                return connection.execute(sql).fetchone()[0]

            violations = {name: scalar(sql) for name, sql in VIOLATIONS.items()}
            counts = {name: scalar(sql) for name, sql in COUNTS.items()}
    return Report(violations, counts)
