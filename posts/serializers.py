"""Input and output shapes of the posts API."""

from rest_framework import serializers

from posts.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Post


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class PostOutputSerializer(serializers.ModelSerializer):
    """``P`` in API.md."""

    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "body", "author", "created_at", "updated_at"]
        read_only_fields = fields


class PostInputSerializer(serializers.Serializer):
    title = serializers.CharField(min_length=1, max_length=TITLE_MAX_LENGTH)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, allow_blank=True, required=False)


class PostListFilterSerializer(serializers.Serializer):
    author = serializers.RegexField(
        r"^(me|[0-9]{1,18})$",
        required=False,
        error_messages={"invalid": "Use 'me' or a user id."},
    )
