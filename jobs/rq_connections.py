"""One Redis client per process for the task queue, instead of django-rq's new client (and TCP connection) per enqueue.

django-rq builds a client from ``RQ_QUEUES``' URL on every ``get_queue``, so
each enqueue would open a connection (and say hello with ``CLIENT SETINFO``)
inside the request that promised a mail. ``share()`` (``JobsConfig.ready``)
makes it reuse one client per URL and process. The web processes' client has
short timeouts, so a hung Redis delays a request by at most a second (the mail
is then resumed from the outbox); the worker's has none, as RQ's blocking
``BLPOP`` needs.
"""

import os
import threading

WEB_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
_clients: dict[tuple, object] = {}
_lock = threading.Lock()
blocking = False  # set by the task worker before it connects


def share() -> None:
    import django_rq.connection_utils
    import django_rq.queues

    original = django_rq.connection_utils.get_redis_connection
    if getattr(original, "shared", False):
        return

    def shared_connection(config: dict, use_strict_redis: bool = False):
        if "URL" not in config:
            return original(config, use_strict_redis)
        key = (config["URL"], config.get("DB"), use_strict_redis, os.getpid(), blocking)
        with _lock:
            if key not in _clients:
                import redis

                cls = redis.StrictRedis if use_strict_redis else redis.Redis
                _clients[key] = cls.from_url(config["URL"], db=config.get("DB"), **({} if blocking else WEB_TIMEOUTS))
            return _clients[key]

    shared_connection.shared = True
    django_rq.connection_utils.get_redis_connection = shared_connection
    django_rq.queues.get_redis_connection = shared_connection
