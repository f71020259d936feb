"""Each app's settings with their defaults, read at call time (the shape of allauth's ``app_settings.py``).

An app's ``conf.py`` subclasses ``AppSettings``: ``defaults`` holds the plain
defaults, properties the computed ones. ``conf.NAME`` is ``settings.NAME``
when the project sets it, else the app's default, read on every access, so a
test's ``settings`` override (or deletion) applies at once and an app works in
a project whose settings never mention it. jwtsite/settings.py only turns the
environment variables that are set into settings (``from_environment``); the
defaults live in the apps, once, and each app's ``checks.py`` reports the bad
values as system checks (docs/configuration.md).
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.checks import Error

# The tag of every settings check: wsgi.py and asgi.py run exactly these before serving.
CONFIGURATION = "configuration"


class AppSettings:
    """``defaults``: setting name -> its default when the project's settings omit it."""

    defaults: Mapping[str, Any] = {}

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
