"""Gunicorn settings for production (``make serve``); every value can be overridden from the environment.

    gunicorn -c gunicorn.conf.py jwtsite.wsgi:application

| variable | default | meaning |
| --- | --- | --- |
| ``HOST``, ``PORT`` | ``127.0.0.1``, ``8000`` | where to listen (``0.0.0.0`` in a container behind a proxy) |
| ``WEB_CONCURRENCY`` | 2 x usable cores + 1 | worker processes |
| ``GUNICORN_TIMEOUT`` | ``30`` | seconds before a silent worker is killed and replaced |
| ``GUNICORN_GRACEFUL_TIMEOUT`` | ``30`` | seconds a worker gets to finish its requests on restart/stop |
| ``GUNICORN_KEEPALIVE`` | ``5`` | seconds an idle keep-alive connection from the proxy stays open |
| ``GUNICORN_ACCESS_LOG`` | ``-`` (stdout) | a file path, or ``off`` |
| ``GUNICORN_PRELOAD`` | ``1`` | load Django once in the master, then fork (less memory, faster restarts) |
| ``GUNICORN_CONTROL_SOCKET`` | unset (off) | a path enables gunicorn's control socket |

The task worker(s) run beside the web workers: ``when_ready`` starts
``TASKS_WORKERS`` (default 1) ``manage.py jobs_worker`` processes, kept running by
a supervisor thread in the master (jobs/supervisor.py), and ``on_exit`` stops
them (docs/tasks.md). ``TASKS_WORKERS=0`` leaves them to another machine.

Several workers need a cache they share (throttles and ceilings count
there): ``on_starting`` refuses to start more than one on a per-process cache
(``CACHE_URL=locmemcache://``), with one line naming ``CACHE_URL``. A bad
setting (a failing settings check, docs/configuration.md) stops the master too:
importing ``jwtsite.wsgi`` refuses when preloading, ``on_starting`` otherwise.

Preloading is safe here: importing ``jwtsite.wsgi`` opens no database or cache
connection (Django connects lazily, on a worker's first query), and
``pre_fork`` closes any the master might have opened, so no worker ever
inherits a socket another process also uses.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _usable_cores() -> int:
    # sched_getaffinity honours CPU pinning (containers, taskset); cpu_count does not.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{_int('PORT', 8000)}"
# Sync workers: the site is CPU- and database-bound and every request is short.
workers = _int("WEB_CONCURRENCY", 2 * _usable_cores() + 1)
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") not in ("0", "false", "no", "off")

# Logs: access lines to stdout, errors to stderr, for the process supervisor to collect.
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access_log.lower() in ("", "off", "none") else _access_log
errorlog = "-"
# The usual combined format plus the request time in microseconds (%(D)s).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

# The heartbeat file goes to tmpfs: a disk-backed /tmp can stall workers into timeouts.
if os.path.isdir("/dev/shm"):  # noqa: S108 (gunicorn creates its own unique file in it)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Gunicorn 25+ opens a control socket at one fixed per-user path by default, so two
# servers on one machine would fight over it; it is opt-in here.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket


def on_starting(server) -> None:
    """Refuses to start several workers that would each count every limit on their own (docs/limits.md),
    or, without preloading, with a setting its check refuses (docs/configuration.md, "Checks")."""
    from jwtsite.shared_cache import per_process_refusal

    refusal = per_process_refusal(workers=server.cfg.workers)
    if refusal:
        raise SystemExit(refusal)
    if not server.cfg.preload_app:
        # Preloaded, importing jwtsite.wsgi in this process refuses already. Otherwise each worker
        # would refuse at import and gunicorn would start it again forever: check here, once.
        import django

        from jwtsite.checks import configuration_refusal

        django.setup(set_prefix=False)
        refusal = configuration_refusal()
        if refusal:
            raise SystemExit(refusal)


def pre_fork(server, worker) -> None:
    """Closes the master's database connections (if any) so that no worker inherits one."""
    if server.cfg.preload_app:
        from django.db import connections

        connections.close_all()


_task_workers = None


def when_ready(server) -> None:
    """Starts the task worker processes (mail, periodic work) beside the web workers."""
    global _task_workers
    from jobs import conf
    from jobs.supervisor import Supervisor

    # Django is set up by now: preloaded, by importing jwtsite.wsgi; else by on_starting's check.
    _task_workers = Supervisor(conf.TASKS_WORKERS).start()
    if _task_workers.pids():
        server.log.info("Task workers: %s", ", ".join(map(str, _task_workers.pids())))


def on_exit(server) -> None:
    """Stops the task workers; each finishes the task it holds (a mail under way is sent or left for a retry)."""
    if _task_workers is not None:
        _task_workers.stop()
