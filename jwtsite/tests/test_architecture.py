"""The house drawing's arrows go one way: an app imports only the apps below it.

accounts is the core (users, sessions, tokens); the capabilities built on it
(emails, mfa, posts, providers) may import it, never the reverse, nor each other. accounts
asks them through its seams instead (accounts/signals.py, SIGN_IN_STAGES,
REAUTHENTICATION_METHODS, accounts/ways_in.py), and they tell each other through accounts/signals.py
(mfa's security notices reach emails as ``security_event``).
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
# app -> the project apps it may import (jwtsite: the project's shared glue).
ALLOWED = {
    "accounts": {"jwtsite"},
    "emails": {"jwtsite", "accounts"},
    "mfa": {"jwtsite", "accounts"},
    "posts": {"jwtsite", "accounts"},
    # The task worker and the periodic work it runs: it calls every app's cleanup, none calls it.
    "jobs": {"jwtsite", "accounts", "emails", "mfa"},
    "providers": {"jwtsite", "accounts"},
    "dbsc": {"jwtsite", "accounts"},
    "dpop": {"jwtsite", "accounts"},
}
PROJECT_APPS = set(ALLOWED)


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names} & (PROJECT_APPS | {"jwtsite"})


def app_modules(app: str) -> list[Path]:
    # Tests may reach across (fixtures, factories); the code may not.
    return [path for path in (REPO / app).rglob("*.py") if "tests" not in path.relative_to(REPO / app).parts]


@pytest.mark.parametrize("app", sorted(app for app in ALLOWED if (REPO / app).is_dir()))
def test_an_app_imports_only_what_lies_below_it(app):
    wrong = {
        str(path.relative_to(REPO)): sorted(imported_apps(path) - ALLOWED[app] - {app}) for path in app_modules(app)
    }
    assert {path: apps for path, apps in wrong.items() if apps} == {}
