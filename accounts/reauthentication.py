"""The ways a signed-in user proves again who they are (step-up), for ``POST /api/auth/reauthenticate/``.

``conf.REAUTHENTICATION_METHODS`` lists the dotted paths of provers,
``prove(request) -> str | None``: the ``amr`` method proven, or ``None`` when
the request does not use that way (its field is absent). A failed proof raises
``AuthenticationFailed`` (401). The password is accounts' own; other apps
(passkeys, codes) add theirs without accounts importing them. A body may
offer several proofs (a password and a code): each is checked, and every one
proven joins the session's ``amr``.
"""

from collections.abc import Callable
from functools import cache

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from accounts import conf
from accounts.serializers import ReauthenticateInputSerializer
from accounts.tokens import PASSWORD

NOTHING_TO_CHECK = _("This field is required.")


def password(request: Request) -> str | None:
    """The signed-in user's password, in ``password``."""
    if hasattr(request.data, "get") and request.data.get("password") is None:
        return None
    # A body that is no object at all gets the serializer's own answer.
    ReauthenticateInputSerializer(data=request.data, context={"request": request}).is_valid(raise_exception=True)
    return PASSWORD


def prove_identity(request: Request) -> tuple[str, ...]:
    """The methods the request proves the user's identity with; 400 when it offers none."""
    provers = _provers(tuple(conf.REAUTHENTICATION_METHODS))
    methods = tuple(method for prove in provers if (method := prove(request)))
    if not methods:
        raise serializers.ValidationError({"password": [NOTHING_TO_CHECK]})
    return methods


@cache
def _provers(paths: tuple[str, ...]) -> list[Callable[[Request], str | None]]:
    return [import_string(path) for path in paths]
