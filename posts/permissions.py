"""Permission policies for posts."""

from rest_framework import permissions


class IsAuthorOrReadOnly(permissions.BasePermission):
    """Anyone authenticated reads; only the author changes."""

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or obj.author_id == request.user.id
