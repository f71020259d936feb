"""Concurrent writes on the embedded database: every one succeeds."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Post

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
WRITES_PER_THREAD = 5


def test_eight_threads_write_posts_at_once():
    author = UserFactory()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(WRITES_PER_THREAD):
                services.post_create(author=author, title=f"thread {n} post {i}", body="x")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Post.objects.count() == THREADS * WRITES_PER_THREAD
