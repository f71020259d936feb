"""Each app's settings with their defaults, read at call time (the shape of allauth's ``app_settings.py``).

An app's ``conf.py`` subclasses ``AppSettings``: ``defaults`` holds the plain
defaults, properties the computed ones. ``conf.NAME`` is ``settings.NAME``
when the project sets it, else the app's default, read when first asked for
and again after any setting changes (``setting_changed``), so a test's
``settings`` override (or deletion) applies at once and an app works in a
project whose settings never mention it. jwtsite/settings.py only turns the
environment variables that are set into settings (``from_environment``); the
defaults live in the apps, once, and each app's ``checks.py`` reports the bad
values as system checks (docs/configuration.md).
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.checks import Error
from django.core.signals import setting_changed

# The tag of every settings check: wsgi.py and asgi.py run exactly these before serving.
CONFIGURATION = "configuration"


class AppSettings:
    """``defaults``: setting name -> its default when the project's settings omit it.

    ``get(name)`` (a conf module's ``conf.NAME``) keeps what it read until a
    setting changes, as DRF's ``api_settings`` does: a setting the project
    omits costs an exception inside Django's settings on every read, and the
    cookie names and the revocation check read theirs on every request.
    """

    defaults: Mapping[str, Any] = {}

    def __init__(self) -> None:
        self._read: dict[str, Any] = {}
        _every.append(self)

    def get(self, name: str) -> Any:
        try:
            return self._read[name]
        except KeyError:
            value = self._read[name] = getattr(self, name)
            return value

    def forget(self) -> None:
        self._read.clear()

    def _setting(self, name: str, default: Any) -> Any:
        return getattr(settings, name, default)

    def __getattr__(self, name: str) -> Any:
        try:
            default = self.defaults[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no setting {name!r}") from None
        return self._setting(name, default)

    def names(self) -> list[str]:
        """Every setting this app owns, computed ones included (docs and tests list them)."""
        computed = [name for name in dir(type(self)) if name.isupper()]
        return sorted({*self.defaults, *computed})


_every: list[AppSettings] = []


def _forget_every_value(**kwargs: Any) -> None:
    # Any setting: computed defaults read others (DEBUG, SECRET_KEY, INSTALLED_APPS).
    for app_settings in _every:
        app_settings.forget()


setting_changed.connect(_forget_every_value, dispatch_uid="jwtsite.app_settings.forget")


def from_environment(env: Any, variables: Mapping[str, Callable[[str], Any]]) -> dict[str, Any]:
    """The settings of the ``variables`` that are set in the environment, each read by its cast.

    A value its cast refuses (``JWT_LEEWAY=soon``) stays the raw text, so the
    app's check names it together with every other bad value, instead of the
    settings module failing on the first one.
    """
    values = {}
    for name, cast in variables.items():
        if name not in env:
            continue
        raw = env.str(name)
        try:
            values[name] = cast(env, name)
        except (TypeError, ValueError):
            values[name] = raw
    return values


# Casts for from_environment, in django-environ's words.
def as_int(env: Any, name: str) -> int:
    return env.int(name)


def as_float(env: Any, name: str) -> float:
    return env.float(name)


def as_bool(env: Any, name: str) -> bool:
    return env.bool(name)


def as_str(env: Any, name: str) -> str:
    return env.str(name)


def as_list(env: Any, name: str) -> list[str]:
    return [item for item in env.list(name) if item.strip()]


def as_int_list(env: Any, name: str) -> list[int]:
    return [int(item) for item in env.list(name) if item.strip()]


# Check helpers: one Error per bad value, naming the variable, what it must be, and what it is.
def choice_error(name: str, value: Any, allowed: Iterable[str], check_id: str) -> list[Error]:
    allowed = tuple(allowed)
    if value in allowed:
        return []
    choices = " or ".join(f"'{choice}'" for choice in allowed)
    return [Error(f"{name} must be {choices}, not {value!r}.", hint=f"Set {name} to {choices}.", id=check_id)]


def whole_number_error(name: str, value: Any, check_id: str, *, low: int, high: int | None = None) -> list[Error]:
    if type(value) is int and low <= value and (high is None or value <= high):
        return []
    allowed = f"from {low} to {high}" if high is not None else f"{low} or more"
    return [
        Error(
            f"{name} must be a whole number {allowed}, not {value!r}.",
            hint=f"Set {name} to a whole number {allowed}.",
            id=check_id,
        )
    ]
