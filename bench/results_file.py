"""bench/results.md: the table, this run's key figures next to the previous run's, how each is measured, the raw JSON.

The soak's section (bench/soak.py writes it) is kept across benchmark runs.
"""

import argparse
import json
import subprocess
from datetime import UTC, datetime

from bench import pg_redis
from bench.budgets import markdown_table, report_rows
from bench.rig import CONNECTIONS, REPO, WORKERS, machine

RESULTS = REPO / "bench" / "results.md"

# The figures the issue names, compared with the previous run's (bench/results.md's raw JSON).
SPREAD_FIGURES = {
    "cookie / ceiling": ("me", "cookie_ratio"),
    "Bearer / ceiling": ("me", "bearer_ratio"),
    "instructions: ceiling ÷ cookie": ("instructions", "cookie_ratio"),
    "instructions: ceiling ÷ Bearer": ("instructions", "bearer_ratio"),
    "side by side: jwtsite cookie / jwtsite bare": ("peers", "jwtsite cookie / jwtsite bare"),
    "jwtsite cookie ÷ dj-rest-auth cookie (ours database settings)": (
        "peers",
        "jwtsite cookie / dj-rest-auth cookie[ours]",
    ),
    "jwtsite cookie ÷ dj-rest-auth cookie (theirs database settings)": (
        "peers",
        "jwtsite cookie / dj-rest-auth cookie[theirs]",
    ),
    "PostgreSQL + Redis: cookie / ceiling": ("pg_redis", "me", "cookie_ratio"),
    "PostgreSQL + Redis: refresh sequential, ours ÷ stock": ("pg_redis", "refresh", "seq_ratio"),
    "PostgreSQL + Redis: refresh 16 sessions, ours ÷ stock": ("pg_redis", "refresh", "concurrent_ratio"),
    "PostgreSQL + Redis: logins, ours ÷ stock": ("pg_redis", "login", "ratio"),
    "RSS growth with 100,000 cached users (MB)": ("user_cache", "rss_growth_mb"),
}


def figure(results: dict, path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return results if isinstance(results, int | float) else None


def previous_results() -> dict:
    """The raw figures of the run before this one (bench/results.md's JSON), or ``{}``."""
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text()
    start, end = text.find("```json\n"), text.find("\n```", text.find("```json\n") + 1)
    try:
        return json.loads(text[start + len("```json\n") : end]) if start >= 0 else {}
    except ValueError:
        return {}


def spread_table(results: dict, previous: dict) -> str:
    """This run's key figures next to the previous run's, and the spread between the two."""
    lines = ["| figure | this run | previous run | spread |", "| --- | --- | --- | --- |"]
    for name, path in SPREAD_FIGURES.items():
        now, before = figure(results, path), figure(previous, path)
        if now is None:
            continue
        if before is None:
            lines.append(f"| {name} | {now:.2f} | (none) | |")
        else:
            lines.append(f"| {name} | {now:.2f} | {before:.2f} | {min(now, before):.2f} to {max(now, before):.2f} |")
    return "\n".join(lines)


def write_results(results: dict, vendor: str, args: argparse.Namespace, elapsed: float) -> str:
    table = markdown_table(report_rows(results, vendor))
    spread = spread_table(results, previous_results())
    wrk_banner = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    wrk_version = wrk_banner.split(" Copyright")[0]
    text = f"""# Benchmark results

Produced by `make bench` (bench/run.py) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}
(load average {results["load_average"]["start"]} at the start, {results["load_average"]["end"]} at the end);
database {vendor}, gunicorn with {WORKERS} sync workers on loopback, load from {wrk_version.strip() or "wrk"}.
Each figure is the median of {args.runs} runs of {args.seconds} s; each ratio is taken within one round
(the two figures measured back to back, which one first alternating between rounds) and the
median of those is shown. Load generator and
server share the machine's cores. Logging is as in production (audit lines on, level INFO),
except gunicorn's access log. The whole run took {elapsed / 60:.1f} minutes.

{table}

The figures the issue names, this run next to the previous one (the raw JSON of the
bench/results.md this run replaced), and the spread of the two:

{spread}

How each figure is measured:

- **`/api/me/`**: wrk, 2 threads, {CONNECTIONS} connections, the access token in the `access_token`
  cookie or in `Authorization: Bearer`; the ceiling is `bench/views.py`'s `CeilingView`, the same
  DRF view class and a body of the same size ({results["body_bytes"]["ceiling"]} vs {results["body_bytes"]["me"]} bytes)
  without authentication.
- **Refresh**: wrk with one thread and one connection per session, each presenting its latest
  refresh token to `POST /api/token/refresh/` (ours) or to simplejwt's own `TokenRefreshView`
  with `ROTATE_REFRESH_TOKENS` and `BLACKLIST_AFTER_ROTATION` (stock, mounted at
  `/bench/stock/token/refresh/` by `bench/urls.py`). Statements are counted with Django's
  `CaptureQueriesContext` around a whole request through Django's test client.
- **Table size**: two servers, one on a database with ~1k rows in the token tables
  (outstanding tokens, blacklist, sessions), one with ~1M rows
  ({results["table_rows"]["big"]:,}, bulk-loaded by INSERT ... SELECT), loaded alternately.
- **Logout-all**: `POST /api/auth/logout-all/` for a user with 1,000 live sessions.
- **Login**: `POST /api/auth/login/` through Django's test client, next to one `check_password`
  and to `services.session_create` alone.
- **Cleanup**: `manage.py cleanup_sessions` (in-process `call_command`) over the bulk-loaded
  expired rows; peak RSS (VmHWM, reset before the call) minus RSS before it.
- **Worker RSS**: VmRSS of each gunicorn worker after all of the load above.
- **Peers** (bench/peer_comparison.py): dj-rest-auth's cookie mode (`/dj-rest-auth/user/` with its
  access cookie), plain simplejwt (`JWTAuthentication`, Bearer) and a bare DRF view, from a
  virtualenv of their own (bench/.venv-peers), on gunicorn with {WORKERS} workers, each with
  Django's default database settings ("theirs") and with jwtsite's ("ours"); every variant,
  jwtsite's bare view and cookie `/api/me/` included, is loaded in every round.
- **Revocation view memory**: 100,000 live revocations bulk-inserted, read into a view the way
  a process's follower reads them; tracemalloc of what the view keeps and of the peak while reading.
- **Revocation reach**: e2e/test_revocation_reach.py with `REVOCATION_SAMPLES` logouts per
  topology; each delay runs from sending the logout to the auth server until the other process
  (one gunicorn worker, the token already in its verified-token cache) first answers 401.
  "User changed in the database": the same number of changes of a user's address written
  straight into the database (no app code, nothing announced: the trigger records it), each
  timed until the other process's `/api/me/` (the user in its cache) shows the new address.
- **Instructions** (callgrind): `bench/in_process.py instructions` serves N requests of one kind
  through Django's WSGI handler in one process under `valgrind --tool=callgrind` (after 20 that
  put the user and the token in its caches); a run with none is subtracted and the rest divided
  by N. It counts what the Python process executes for a request (no socket, no gunicorn), and no
  other work on the machine changes it.
- **User cache memory**: `bench/in_process.py user-cache-memory`: that many users bulk-created, then
  each loaded the way an authenticated request loads it (`users_cache.request_user`, a miss
  that keeps the row) with `USER_CACHE_SIZE` at that count; VmRSS of the process before and
  after, tracemalloc of what the cache keeps, and the time of a hit (a new `User` each time).
- **PostgreSQL + Redis** (bench/pg_redis.py): a gunicorn (2 workers) on a throwaway PostgreSQL
  database with Redis as `CACHE_URL`: `/api/me/` against the ceiling as above; refresh against
  stock simplejwt as above; logins, `POST /api/token/` against simplejwt's `TokenObtainPairView`
  (`/bench/stock/token/`), {pg_redis.LOGIN_CONNECTIONS} wrk threads each signing in as its own
  user again and again, alternating which goes first.
- **Statements**: Django's `CaptureQueriesContext` around a whole request through Django's test
  client; an authenticated request once the process has seen the user (its first request for the
  user reads the row once: shown in brackets).

Raw figures (JSON):

```json
{json.dumps(results, indent=1, sort_keys=True)}
```
"""
    RESULTS.write_text(text + soak_section())
    return table


def soak_section() -> str:
    """The soak's section of results.md (bench/soak.py writes it), kept across benchmark runs."""
    from bench.soak_report import SECTION_MARKER

    previous = RESULTS.read_text() if RESULTS.exists() else ""
    return "\n" + previous[previous.index(SECTION_MARKER) :] if SECTION_MARKER in previous else ""
