"""Shared pieces of the OpenAPI description: the error shape and documented failures."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every non-validation error: ``{"detail": "...", "code": "..."}``."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """Validation errors: each invalid field with its messages."""

    field = serializers.ListField(child=serializers.CharField(), required=False, help_text="one key per field")


ERROR_DESCRIPTIONS = {
    400: "Invalid input: field errors, or a malformed body (`parse_error`).",
    401: "No, invalid, expired or revoked credentials; carries `WWW-Authenticate`.",
    403: "Authenticated but not allowed, or CSRF failure (`csrf_failed`).",
    404: "Not found.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    429: "Throttled; carries `Retry-After`.",
    501: "A verifying-only server (no signing key) issues no tokens.",
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses; 400 is a field-error map, the rest the error shape."""
    return {
        status: OpenApiResponse(
            ValidationErrorSerializer if status == 400 else ErrorSerializer, description=ERROR_DESCRIPTIONS[status]
        )
        for status in statuses
    }


CSRF_HEADER = OpenApiParameter(
    "X-CSRFToken",
    type=str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The `csrftoken` cookie's value (GET /api/auth/csrf/ sets it).",
)
