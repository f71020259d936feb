"""Reads of posts."""

from django.db.models import QuerySet

from posts.models import Post


def post_list(*, author_id: int | None = None) -> QuerySet[Post]:
    """Posts newest first, with their authors; only ``author_id``'s when given."""
    posts = Post.objects.select_related("author").order_by("-created_at", "-id")
    if author_id is not None:
        posts = posts.filter(author_id=author_id)
    return posts
