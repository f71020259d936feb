"""A post: a title and a body written by one user."""

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=TITLE_MAX_LENGTH, validators=[MinLengthValidator(1)])
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="posts_post_newest_idx"),
            models.Index(fields=["author", "-created_at", "-id"], name="posts_post_author_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title
