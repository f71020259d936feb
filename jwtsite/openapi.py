"""Shared pieces of the OpenAPI description: the error shape and documented failures."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every non-validation error: ``{"detail": "...", "code": "..."}``."""

    detail = serializers.CharField()
    code = serializers.CharField()
    methods = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `mfa_required`, and `reauthentication_required` when only some ways will do: "
        "those (`password`, `passkey`, `provider`, `totp`, `recovery_code`).",
    )


class ValidationErrorSerializer(serializers.Serializer):
    """Validation errors: each invalid field with its messages."""

    field = serializers.ListField(child=serializers.CharField(), required=False, help_text="one key per field")


ERROR_DESCRIPTIONS = {
    400: "Invalid input: field errors, or a malformed body (`parse_error`).",
    401: "No, invalid, expired or revoked credentials; carries `WWW-Authenticate`.",
    403: "Authenticated but not allowed, or CSRF failure (`csrf_failed`).",
    404: "Not found.",
    406: "The `Accept` header names no type this operation answers in (an empty one included).",
    409: "The account is not in a state where this applies (e.g. two-factor already on).",
    413: "Request body too large.",
    415: "Unsupported media type.",
    429: "Throttled; carries `Retry-After`.",
    501: "A verifying-only server (no signing key) issues no tokens.",
    503: "The database is unavailable (`database_unavailable`); carries `Retry-After`, and a retry is safe.",
}
# Operations that never touch the database, so never answer 503.
NO_DATABASE_PATHS = frozenset({"/.well-known/jwks.json", "/api/auth/csrf/"})


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


def document_database_unavailable(result: dict, generator, request, public: bool) -> dict:
    """Adds the 503 any database-backed operation may answer (jwtsite/exceptions.py) to each one.

    A postprocessing hook, rather than ``errors(..., 503)`` on every view: it holds for all of them.
    """
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in result["paths"].items():
        if path in NO_DATABASE_PATHS:
            continue
        for operation in operations.values():
            operation["responses"].setdefault(
                "503", {"description": ERROR_DESCRIPTIONS[503], "content": {"application/json": {"schema": error}}}
            )
    return result


def document_not_acceptable(result: dict, generator, request, public: bool) -> dict:
    """Adds the 406 DRF's content negotiation answers any operation whose ``Accept`` it cannot satisfy."""
    error = {"$ref": "#/components/schemas/Error"}
    for operations in result["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault(
                "406", {"description": ERROR_DESCRIPTIONS[406], "content": {"application/json": {"schema": error}}}
            )
    return result


def document_invalid_host(result: dict, generator, request, public: bool) -> dict:
    """Adds the 400 ``invalid_host`` every operation answers to a ``Host`` not in ``DJANGO_ALLOWED_HOSTS``.

    Django refuses such a request before any view (``handler400``, jwtsite/views.py,
    answers it as JSON under /api/). An operation's own 400 (field errors) keeps its
    description; its body is then either shape.
    """
    error = {"$ref": "#/components/schemas/Error"}
    for operations in result["paths"].values():
        for operation in operations.values():
            own = operation["responses"].get("400")
            if own is None:
                operation["responses"]["400"] = {
                    "description": INVALID_HOST,
                    "content": {"application/json": {"schema": error}},
                }
                continue
            for media in own.get("content", {}).values():
                if media.get("schema") not in (None, error):
                    media["schema"] = {"anyOf": [media["schema"], error]}
            own["description"] = f"{own.get('description', '')} Or: {INVALID_HOST}".strip()
    return result


INVALID_HOST = "The request's `Host` is not one this site answers to (`invalid_host`)."
