"""What stays in memory, measured in-process: cleanup_sessions' peak, the revocation view, the user cache.

Commands of bench/in_process.py (imported once Django is set up).
"""

import os
import time
import uuid

from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Session
from bench.fixtures import BATCH, emit, stream_users, timed

# cleanup: time and memory ----------------------------------------------------------------


def rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def cleanup(args) -> None:
    """``manage.py cleanup_sessions`` in this process: wall time and peak RSS growth."""
    now = timezone.now()
    before = {
        "sessions": Session.objects.filter(expires_at__lte=now).count(),
        "outstanding": OutstandingToken.objects.filter(expires_at__lte=now).count(),
        "blacklisted": BlacklistedToken.objects.filter(token__expires_at__lte=now).count(),
    }
    connection.close()
    # Resets the peak (VmHWM) to the current RSS, so the peak below is the command's own.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    baseline = rss_kib("VmRSS")
    start = time.perf_counter()
    call_command("cleanup_sessions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    elapsed = time.perf_counter() - start
    peak = rss_kib("VmHWM")
    left = (
        OutstandingToken.objects.filter(expires_at__lte=now).count()
        + Session.objects.filter(expires_at__lte=now).count()
    )
    emit(
        {
            "expired_rows": sum(before.values()),
            **{f"expired_{name}": count for name, count in before.items()},
            "left": left,
            "seconds": round(elapsed, 1),
            "baseline_rss_mb": round(baseline / 1024, 1),
            "peak_rss_mb": round(peak / 1024, 1),
            "rss_growth_mb": round((peak - baseline) / 1024, 1),
        }
    )


# revocation-memory: the in-process view with many live revocations -------------------------


def revocation_memory(args) -> None:
    """Memory of a process's revocation view holding ``--count`` live revocations, loaded from the table.

    The rows are bulk-inserted, then read the way a process's follower reads
    them (``DatabaseSource``, pages of 10,000): once timed, once under
    ``tracemalloc``, which measures what the view keeps (after the read's own
    objects are freed) and the peak while reading. ``--users`` of them are
    user floors, the rest sessions.
    """
    import gc
    import tracemalloc

    from accounts.models import Revocation
    from accounts.revocation.follower import DatabaseSource, Follower
    from accounts.revocation.revoked_set import RevocationView
    from accounts.revocation.store import until_for

    now = timezone.now()
    until = until_for(now)
    sessions = args.count - args.users
    rows = [Revocation(session_id=uuid.uuid4(), created_at=now, until=until) for _ in range(sessions)]
    rows += [
        Revocation(user_id=10_000_000 + n, min_ver=n % 7 + 1, created_at=now, until=until) for n in range(args.users)
    ]
    for start in range(0, len(rows), BATCH):
        Revocation.objects.bulk_create(rows[start : start + BATCH])
    del rows
    gc.collect()
    # Timed without tracemalloc (it slows every allocation), then loaded again under it.
    start = time.perf_counter()
    Follower(RevocationView(stale_after=5, following=False), DatabaseSource(), interval=1).sync_once()
    load_seconds = time.perf_counter() - start
    gc.collect()
    view = RevocationView(stale_after=5, following=False)
    follower = Follower(view, DatabaseSource(), interval=1)
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    follower.sync_once()
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(view) == args.count, len(view)
    # A token of a live session whose user has a floor: both look-ups run, as for most requests.
    probe_user = next(iter(view.users), 1)
    check_ns = (
        min(timed(lambda: [view.rejects("not-revoked", probe_user, 99) for _ in range(10_000)], 5)) / 10_000 * 1e6
    )
    emit(
        {
            "revocations": len(view),
            "sessions": len(view.sessions),
            "users": len(view.users),
            "view_mb": round((kept - baseline) / 2**20, 1),
            "peak_while_loading_mb": round((peak - baseline) / 2**20, 1),
            "load_seconds": round(load_seconds, 2),
            "check_ns": round(check_ns),
        }
    )


# user-cache-memory: a process with many users cached ---------------------------------------


def user_cache_memory(args) -> None:
    """RSS and traced memory of this process before and after ``--count`` users enter its user cache.

    The users are bulk-created, then each is loaded the way an authenticated
    request loads it (``users_cache.request_user``: a miss reads the row and
    keeps it), with ``USER_CACHE_SIZE`` at ``--count``. VmRSS is read before
    and after; tracemalloc, in a second pass over a fresh cache, measures what
    the cache itself keeps.
    """
    import gc
    import tracemalloc

    from accounts import users_cache

    override_settings(USER_CACHE_SIZE=args.count).enable()  # through setting_changed: accounts.conf reads it again
    users = stream_users(args.count, "cached")
    ids = [user.pk for user in users]
    del users
    gc.collect()
    users_cache.reset()
    rss_before = rss_kib("VmRSS")
    start = time.perf_counter()
    for user_id in ids:
        users_cache.request_user(user_id, trusted=True)
    load_seconds = time.perf_counter() - start
    gc.collect()
    rss_after = rss_kib("VmRSS")
    cache = users_cache.current()
    assert len(cache) == args.count, len(cache)
    hit_us = min(timed(lambda: [users_cache.request_user(ids[-1], trusted=True) for _ in range(10_000)], 5)) / 10
    users_cache.reset()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    for user_id in ids:
        users_cache.request_user(user_id, trusted=True)
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    emit(
        {
            "users": len(cache),
            "rss_before_mb": round(rss_before / 1024, 1),
            "rss_after_mb": round(rss_after / 1024, 1),
            "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
            "cache_mb": round(kept / 2**20, 1),
            "bytes_per_user": round(kept / args.count),
            "load_seconds": round(load_seconds, 2),
            "hit_us": round(hit_us, 2),
        }
    )
