"""Writes of posts."""

from django.db import transaction

from accounts.models import User
from posts.models import Post


def post_create(*, author: User, title: str, body: str = "") -> Post:
    post = Post(author=author, title=title, body=body)
    post.full_clean()
    post.save()
    return post


@transaction.atomic
def post_update(*, post: Post, **fields: str) -> Post:
    for name, value in fields.items():
        setattr(post, name, value)
    post.full_clean()
    post.save(update_fields=[*fields, "updated_at"])
    return post


def post_delete(*, post: Post) -> None:
    post.delete()
