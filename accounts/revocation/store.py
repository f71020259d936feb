"""Revocations in the database: recorded in the revoking transaction, read back by cursor.

Writers (accounts/services/revoking.py) record with ``INSERT ... SELECT``: one
statement however many sessions or users, returning what it recorded so the
revoking process can apply it to its own view on commit. Readers (each
process's follower, the HTTP feed) ask for ``changes(after=cursor)``.

The cursor is the highest id read, plus the ids below it that were missing
("gaps"). On PostgreSQL ids are drawn when a row is inserted but become
visible when its transaction commits, so id 9 can appear after id 10 has been
read; a cursor that only remembered "10" would skip it forever. Each gap is
asked for again on every read until it shows up or is ``GAP_TIMEOUT`` old (a
rolled-back insert leaves a gap that never fills). SQLite takes its write lock
when a transaction begins, so there gaps only come from rollbacks.
"""

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import conf
from accounts.revocation.models import Revocation

# A revoking transaction commits within this many seconds of drawing its id, or its row may be missed.
GAP_TIMEOUT = 30
MAX_GAPS = 64  # the cursor travels in a URL
PAGE_SIZE = 10_000


@dataclass(frozen=True)
class Entries:
    """Revocations: ``sessions`` {sid: until}, ``users`` {user_id: (min_ver, until)}; times in epoch seconds."""

    sessions: dict[str, int] = field(default_factory=dict)
    users: dict[int, tuple[int, int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.sessions) + len(self.users)


@dataclass(frozen=True)
class Cursor:
    """Where a reader is: the highest id read, and the missing ids below it with when they were first missed."""

    last_id: int = 0
    gaps: tuple[tuple[int, int], ...] = ()

    def encode(self) -> str:
        """``"<last_id>"``, then ``".<distance below last_id>-<epoch first missed>"`` per gap."""
        return "".join([str(self.last_id), *(f".{self.last_id - gap}-{seen}" for gap, seen in self.gaps)])

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Parses ``encode``'s output; raises ``ValueError`` on anything else."""
        head, *tail = text.split(".")
        if len(tail) > MAX_GAPS:
            raise ValueError("too many gaps")
        last_id = _non_negative(head)
        gaps = []
        for part in tail:
            distance, _, seen = part.partition("-")
            gap = last_id - _non_negative(distance)
            if not 0 < gap < last_id:
                raise ValueError("a gap outside the cursor's range")
            gaps.append((gap, _non_negative(seen)))
        return cls(last_id=last_id, gaps=tuple(gaps))


@dataclass(frozen=True)
class Changes:
    entries: Entries
    cursor: Cursor
    complete: bool  # False: a full page; ask again at once with ``cursor``


def until_for(now: datetime) -> datetime:
    """When the last access token issued before ``now`` has expired for every verifier.

    Access tokens live ``ACCESS_TOKEN_LIFETIME``; verifiers accept them for
    ``JWT_LEEWAY`` more; one second covers the whole-second rounding of ``iat``.
    """
    return now + timedelta(seconds=conf.ACCESS_TOKEN_LIFETIME + conf.JWT_LEEWAY + 1)


def record_sessions(sessions: QuerySet, now: datetime) -> Entries:
    """Records the revocation of every session in ``sessions`` (a queryset of ``accounts.Session``)."""
    rows = _insert_select(("session_id",), sessions.values("pk"), now)
    until = epoch(until_for(now))
    return Entries(sessions={_sid(session_id): until for (session_id,) in rows})


def record_users(users: QuerySet, now: datetime) -> Entries:
    """Records that every token of ``users`` (a queryset of users) below their current ``token_version`` is dead."""
    rows = _insert_select(("user_id", "min_ver"), users.values("pk", "token_version"), now)
    until = epoch(until_for(now))
    return Entries(users={int(user_id): (int(min_ver), until) for user_id, min_ver in rows})


def changes(after: Cursor | None, *, limit: int = PAGE_SIZE, now: datetime | None = None) -> Changes:
    """What was recorded since ``after``; with ``None``, every revocation still in force.

    One query. Rows come in id order, ``limit`` at most.
    """
    now = now or timezone.now()
    wall = int(time.time())
    if after is None:
        rows = Revocation.objects.filter(until__gt=now)
    else:
        rows = Revocation.objects.filter(Q(id__gt=after.last_id) | Q(id__in=[gap for gap, _ in after.gaps]))
    fetched = list(
        rows.order_by("id").values_list("id", "session_id", "user_id", "min_ver", "until", "created_at")[:limit]
    )
    entries = Entries()
    for _, session_id, user_id, min_ver, until, _ in fetched:
        if until <= now:
            continue  # spent: it moves the cursor, but rejects no live token
        if session_id is not None:
            sid = _sid(session_id)
            entries.sessions[sid] = max(epoch(until), entries.sessions.get(sid, 0))
        else:
            previous = entries.users.get(user_id, (0, 0))
            entries.users[user_id] = (max(min_ver, previous[0]), max(epoch(until), previous[1]))
    return Changes(entries=entries, cursor=_advance(after, fetched, now, wall), complete=len(fetched) < limit)


def delete_expired(*, now: datetime | None = None, batch_size: int = 5000) -> int:
    """Deletes revocations that no longer affect any token; how many."""
    now = now or timezone.now()
    deleted = 0
    while ids := list(Revocation.objects.filter(until__lte=now).values_list("pk", flat=True)[:batch_size]):
        deleted += Revocation.objects.filter(pk__in=ids)._raw_delete(Revocation.objects.db)
    return deleted


def session_revoked(session_id: str) -> bool:
    """Whether ``session_id`` is revoked (or gone): the per-request check while a view is stale."""
    from accounts.models import Session

    return not Session.objects.filter(pk=session_id, revoked_at__isnull=True).exists()


# Internals ---------------------------------------------------------------------


def _advance(since: Cursor | None, fetched: list[tuple], now: datetime, wall: int) -> Cursor:
    """The cursor after reading ``fetched`` (in id order) from ``since``."""
    if since is None:
        # A first read: ids at or below the newest settled row cannot still commit.
        settled = now - timedelta(seconds=GAP_TIMEOUT)
        base = max((row[0] for row in fetched if row[5] < settled), default=0)
        gaps: dict[int, int] = {}
    else:
        base = since.last_id
        gaps = {gap: first for gap, first in since.gaps if wall - first < GAP_TIMEOUT}
    previous = base
    for row_id, *_ in fetched:
        gaps.pop(row_id, None)
        if row_id > previous:
            # Only the nearest ids below a row can still be in flight; a longer run is a sequence jump.
            gaps.update(dict.fromkeys(range(max(previous + 1, row_id - MAX_GAPS), row_id), wall))
            previous = row_id
    return Cursor(last_id=previous, gaps=tuple(sorted(gaps.items())[-MAX_GAPS:]))


def _insert_select(columns: tuple[str, ...], values: QuerySet, now: datetime) -> list[tuple]:
    """``INSERT INTO revocation (columns, created_at, until) SELECT <values' columns>, now, until``."""
    select, params = values.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(Revocation._meta.db_table)
    names = ", ".join(quote(Revocation._meta.get_field(name).column) for name in (*columns, "created_at", "until"))
    returning = ", ".join(quote(Revocation._meta.get_field(name).column) for name in columns)
    adapt = connection.ops.adapt_datetimefield_value
    statement = f"INSERT INTO {table} ({names}) SELECT t.*, %s, %s FROM ({select}) t RETURNING {returning}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, [adapt(now), adapt(until_for(now)), *params])
        return cursor.fetchall()


def _sid(value) -> str:
    # SQLite keeps a UUID as 32 hex digits; tokens carry the hyphenated form.
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def epoch(moment: datetime) -> int:
    """``moment`` in whole epoch seconds, as the views keep it."""
    return int(moment.timestamp())


def _non_negative(text: str) -> int:
    if not text.isdigit() or len(text) > 19:
        raise ValueError(f"not a cursor part: {text[:20]!r}")
    return int(text)
