"""The posts API: any authenticated user reads, only the author changes."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import WritesNeedUserRows
from jwtsite.openapi import errors
from posts import selectors, services
from posts.permissions import IsAuthorOrReadOnly
from posts.serializers import PostInputSerializer, PostListFilterSerializer, PostOutputSerializer

AUTHOR_FILTER = OpenApiParameter("author", str, description="`me` for your own posts, or a user id.")


@extend_schema_view(
    list=extend_schema(
        parameters=[AUTHOR_FILTER], responses={200: PostOutputSerializer(many=True), **errors(400, 401, 404)}
    ),
    create=extend_schema(
        request=PostInputSerializer, responses={201: PostOutputSerializer, **errors(400, 401, 403, 415)}
    ),
    retrieve=extend_schema(responses={200: PostOutputSerializer, **errors(401, 404)}),
    update=extend_schema(
        request=PostInputSerializer, responses={200: PostOutputSerializer, **errors(400, 401, 403, 404, 415)}
    ),
    partial_update=extend_schema(
        request=PostInputSerializer, responses={200: PostOutputSerializer, **errors(400, 401, 403, 404, 415)}
    ),
    destroy=extend_schema(responses={204: None, **errors(401, 403, 404)}),
)
class PostViewSet(viewsets.ModelViewSet):
    """List, create, read, update and delete posts (``P`` in API.md)."""

    permission_classes = [IsAuthenticated, WritesNeedUserRows, IsAuthorOrReadOnly]
    serializer_class = PostOutputSerializer

    def get_queryset(self):
        return selectors.post_list()

    def get_serializer_class(self):
        if self.request.method in ("POST", "PUT", "PATCH"):
            return PostInputSerializer
        return PostOutputSerializer

    def list(self, request: Request, *args, **kwargs) -> Response:
        filters = PostListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        author = filters.validated_data.get("author")
        author_id = request.user.id if author == "me" else (int(author) if author else None)
        page = self.paginate_queryset(selectors.post_list(author_id=author_id))
        return self.get_paginated_response(PostOutputSerializer(page, many=True).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = PostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **data.validated_data)
        return Response(PostOutputSerializer(post).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        post = self.get_object()
        data = PostInputSerializer(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        post = services.post_update(post=post, **data.validated_data)
        return Response(PostOutputSerializer(post).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.post_delete(post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
