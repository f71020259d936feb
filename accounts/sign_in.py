"""The seam where other apps take part in signing in; accounts never imports them.

``settings.SIGN_IN_CHECKS`` lists, in order, the dotted paths of checks that
run once the first factor (a password, a passkey) is proven and before a
session starts: ``check(*, user, request, bearer, first_factor) -> SignInStep | None``.
A step with a ``refusal`` is answered instead of signing in (an unverified
address, a second factor still to give); otherwise its ``methods`` (a second
factor just proven) join the session's ``amr``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.module_loading import import_string
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.tokens import PASSWORD


@dataclass(frozen=True)
class SignInStep:
    """What a check decided: refuse with ``refusal``, or go on with ``methods`` proven so far."""

    refusal: Response | None = None
    methods: tuple[str, ...] = ()


def run_checks(*, user: AbstractBaseUser, request: Request, bearer: bool, first_factor: str = PASSWORD) -> SignInStep:
    """Runs every check; the first refusal, or every method proven (first factor first)."""
    methods = [first_factor]
    for check in _checks(tuple(settings.SIGN_IN_CHECKS)):
        step = check(user=user, request=request, bearer=bearer, first_factor=first_factor)
        if step is None:
            continue
        if step.refusal is not None:
            return step
        methods.extend(method for method in step.methods if method not in methods)
    return SignInStep(methods=tuple(methods))


@cache
def _checks(paths: tuple[str, ...]) -> list[Callable[..., SignInStep | None]]:
    return [import_string(path) for path in paths]
