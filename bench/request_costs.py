"""What a request costs, measured in-process: statements, logout-all, where a login's time goes, CPU instructions.

Commands of bench/in_process.py (imported once Django is set up).
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import conf, services
from accounts.models import Session, User
from accounts.tokens import new_jti
from bench.fixtures import BENCH_PASSWORD, CLIENT, emit, median_ms, stream_users, timed
from bench.views import CEILING_BODY

# queries: statements per request, logout-all --------------------------------------------


def count_queries(function: Callable[[], object]) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return len(captured.captured_queries), result


def queries(args) -> None:
    """Statements per authenticated request, per refresh (ours and stock), per logout-all."""
    user = User.objects.get(username=CEILING_BODY["username"])
    tokens = services.session_create(user=user, client=CLIENT)
    client = Client()
    client.cookies[conf.access_cookie_name()] = tokens.access
    # A process that has served the user before (the user cache): what every request but its first costs.
    me_first, response = count_queries(lambda: client.get("/api/me/"))
    assert response.status_code == 200, response.content
    me_cookie, response = count_queries(lambda: client.get("/api/me/"))
    assert response.status_code == 200, response.content
    me_bearer, response = count_queries(lambda: Client().get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {tokens.access}"))
    assert response.status_code == 200, response.content

    def refresh(url: str, raw: str):
        return Client().post(url, {"refresh": raw}, content_type="application/json")

    ours, response = count_queries(lambda: refresh("/api/token/refresh/", tokens.refresh))
    assert response.status_code == 200, response.content
    stock, response = count_queries(lambda: refresh("/bench/stock/token/refresh/", str(RefreshToken.for_user(user))))
    assert response.status_code == 200, response.content

    logout_all = [logout_all_with_sessions(index, args.sessions) for index in range(args.repeat)]
    emit(
        {
            "me_first": me_first,
            "me_cookie": me_cookie,
            "me_bearer": me_bearer,
            "refresh_ours": ours,
            "refresh_stock": stock,
            "logout_all_sessions": args.sessions,
            "logout_all_queries": max(run["queries"] for run in logout_all),
            "logout_all_ms": median_ms([run["ms"] for run in logout_all]),
        }
    )


def logout_all_with_sessions(index: int, count: int) -> dict:
    """``POST /api/auth/logout-all/`` (the whole request) for a user with ``count`` live sessions."""
    (user,) = stream_users(1, f"logout-all-{index}")
    now = timezone.now()
    expires = now + conf.refresh_lifetime()
    with transaction.atomic():
        tokens = OutstandingToken.objects.bulk_create(
            OutstandingToken(user_id=user.pk, jti=new_jti(), token="", created_at=now, expires_at=expires)
            for _ in range(count - 1)
        )
        Session.objects.bulk_create(
            Session(
                id=uuid.uuid4(),
                user_id=user.pk,
                created_at=now,
                last_used_at=now,
                expires_at=expires,
                current_jti=token.jti,
                current_token_id=token.pk,
            )
            for token in tokens
        )
    mine = services.session_create(user=user, client=CLIENT)  # the one that asks
    client = Client()
    client.cookies[conf.access_cookie_name()] = mine.access
    start = time.perf_counter()
    statements, response = count_queries(lambda: client.post("/api/auth/logout-all/", content_type="application/json"))
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 204, response.content
    live = Session.objects.filter(user=user, revoked_at__isnull=True).count()
    assert live == 0, f"{live} sessions survived logout-all"
    assert BlacklistedToken.objects.filter(token__user=user).count() == count
    return {"queries": statements, "ms": elapsed}


# login: where the time goes ---------------------------------------------------------------


def login(args) -> None:
    """A login's wall time next to one password check (Argon2) and the session's creation alone."""
    user = User.objects.get(username=CEILING_BODY["username"])
    client = Client()
    body = {"username": user.username, "password": BENCH_PASSWORD}

    def request_login():
        response = client.post("/api/auth/login/", body, content_type="application/json")
        assert response.status_code == 200, response.content

    request_login()  # warm-up: imports, first connection
    login_ms, check_ms, session_ms = [], [], []
    # Interleaved, so that a busy moment on the machine hits all three alike.
    for _ in range(args.repeat):
        login_ms += timed(request_login, 1)
        check_ms += timed(lambda: User.objects.get(pk=user.pk).check_password(BENCH_PASSWORD), 1)
        session_ms += timed(lambda: services.session_create(user=user, client=CLIENT), 1)
    emit(
        {
            "hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
            "login_ms": median_ms(login_ms),
            "check_password_ms": median_ms(check_ms),
            "session_create_ms": median_ms(session_ms),
        }
    )


# instructions: CPU instructions per request, counted by callgrind -----------------------------


def instructions(args) -> None:
    """Serves ``--requests`` requests of one kind through Django's WSGI handler, in this process.

    Run under ``valgrind --tool=callgrind`` by bench/run.py, once with 0
    requests and once with ``--requests``: the difference divided by the count
    is the instructions one request costs, whatever else runs on the machine.
    Run with ``REVOCATION_POLL_INTERVAL`` long: the follower's reads would be
    counted too (valgrind slows the process fifty times, not the clock).
    """
    import io

    from django.core.handlers.wsgi import WSGIHandler

    user = User.objects.get(username=CEILING_BODY["username"])
    # Not a sign-in: a sign-in's notice is rendered on a mail thread that may or may not finish
    # before the process exits, and its instructions would land in some runs and not in others.
    access = services.session_create(user=user, client=CLIENT, sign_in=False).access
    headers = {
        "ceiling": ("/api/bench/ceiling/", {}),
        "cookie": ("/api/me/", {"HTTP_COOKIE": f"{conf.access_cookie_name()}={access}"}),
        "bearer": ("/api/me/", {"HTTP_AUTHORIZATION": f"Bearer {access}"}),
    }
    path, extra = headers[args.variant]
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "application/json",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        **extra,
    }
    handler = WSGIHandler()
    statuses = []

    def start_response(status, response_headers, exc_info=None):
        statuses.append(status)

    def request() -> None:
        b"".join(handler({**environ, "wsgi.input": io.BytesIO(b"")}, start_response))  # the current kind

    # Every kind first, in every run: imports, the key ring, the revocation view's first sync,
    # the user and the token in their caches; the run with no request subtracts all of it.
    base = {name: value for name, value in environ.items() if name not in extra}
    for variant_path, variant_extra in headers.values():
        environ = {**base, "PATH_INFO": variant_path, **variant_extra}
        for _ in range(20):
            request()
    environ = {**base, "PATH_INFO": path, **extra}
    for _ in range(args.requests):
        request()
    assert set(statuses) == {"200 OK"}, set(statuses)
    emit({"variant": args.variant, "requests": args.requests})
