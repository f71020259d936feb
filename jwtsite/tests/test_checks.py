"""Each app owns its settings: defaults in its conf.py, bad values as system checks with ids.

A project that omits an app's setting gets the app's default; a bad value is
reported by ``manage.py check`` (every one at once, with the variable and what
it allows), and runserver, migrate and the WSGI/ASGI entry points refuse to
serve while one fails (docs/configuration.md, "Checks").
"""

import os
import re
import subprocess
import sys

import pytest
from django.core.checks import run_checks

from accounts import conf as accounts_conf
from dbsc import conf as dbsc_conf
from dpop import conf as dpop_conf
from emails import conf as emails_conf
from jwtsite import conf as site_conf
from jwtsite.app_settings import CONFIGURATION
from jwtsite.tests.test_site import BASE_DIR, run_python
from mfa import conf as mfa_conf

APP_CONFS = {
    "accounts": accounts_conf,
    "emails": emails_conf,
    "mfa": mfa_conf,
    "dbsc": dbsc_conf,
    "dpop": dpop_conf,
    "jwtsite": site_conf,
}

# setting, a bad value, the check's id, what the message must name (the allowed values).
BAD_VALUES = [
    ("JWT_LEEWAY", 61, "accounts.E001", "from 0 to 60"),
    ("JWT_LEEWAY", -1, "accounts.E001", "from 0 to 60"),
    ("JWT_LEEWAY", "soon", "accounts.E001", "from 0 to 60"),
    ("JWT_ALGORITHM", "none", "accounts.E002", "'HS256' or 'RS256' or 'ES256'"),
    ("JWT_PRIVATE_KEY", "/no/such/key.pem", "accounts.E003", "No such file"),
    ("JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----", "accounts.E003", "PEM"),
    ("ACCESS_TOKEN_LIFETIME", 0, "accounts.E005", "1 or more"),
    ("REFRESH_REUSE_GRACE", -1, "accounts.E005", "0 or more"),
    ("LOGIN_FAILURES_USERNAME", "often", "accounts.E006", "'20/hour'"),
    ("LOGIN_FAILURES_USERNAME", "0/hour", "accounts.E006", "'20/hour'"),
    ("MAX_SESSIONS_PER_USER", 0, "accounts.E007", "1 or more"),
    ("LOGIN_RATE_IP", "lots", "accounts.E008", "'5/min'"),
    ("REVOCATION_FEED_RATE", "6000", "accounts.E008", "'5/min'"),
    ("AUDIT_LOG_RETENTION_DAYS", 0, "accounts.E009", "1 or more"),
    ("EMAIL_VERIFICATION", "always", "accounts.E010", "'optional' or 'mandatory'"),
    ("REVOCATION_STALE_POLICY", "ignore", "accounts.E011", "'honour' or 'refuse'"),
    ("USER_CACHE_SIZE", -1, "accounts.E012", "0 or more"),
    ("JWT_VERIFIED_CACHE_SIZE", -1, "accounts.E012", "0 or more"),
    ("REVOCATION_POLL_INTERVAL", 0, "accounts.E013", "above 0"),
    ("PASSWORD_RESET_RATE_IP", "20", "emails.E001", "'5/min'"),
    ("EMAIL_SEND_RATE_USER", "5/fortnight", "emails.E001", "'5/min'"),
    ("MFA_FAILURE_NOTICE_AFTER", 0, "mfa.E001", "1 or more"),
    ("MFA_CODE_RATE_USER", "five", "mfa.E002", "'5/min'"),
    ("PASSKEY_LOGIN_RATE_IP", "", "mfa.E002", "'5/min'"),
    ("CACHE_OUTAGE_POLICY", "sometimes", "jwtsite.E001", "'open' or 'closed'"),
    ("SITE_URL", "localhost:8000", "jwtsite.W001", "https://example.com"),
]


def configuration_messages():
    return run_checks(tags=[CONFIGURATION])


def test_the_settings_under_test_pass():
    assert configuration_messages() == []


@pytest.mark.parametrize(("name", "value", "check_id", "allowed"), BAD_VALUES)
def test_each_bad_value_is_its_check(settings, name, value, check_id, allowed):
    setattr(settings, name, value)
    messages = configuration_messages()
    assert [message.id for message in messages] == [check_id]
    (message,) = messages
    assert message.msg.startswith(name)
    assert allowed in message.msg
    assert name in (message.hint or "")
    assert message.is_serious() == (".E" in check_id)


def test_an_asymmetric_algorithm_needs_a_key(settings):
    settings.JWT_ALGORITHM = "RS256"
    messages = configuration_messages()
    assert [message.id for message in messages] == ["accounts.E004"]
    assert "JWT_PRIVATE_KEY, JWT_PUBLIC_KEY or JWKS_URL" in messages[0].msg


def test_several_bad_values_are_reported_together(settings):
    settings.JWT_LEEWAY = 61
    settings.MAX_SESSIONS_PER_USER = 0
    settings.MFA_FAILURE_NOTICE_AFTER = 0
    settings.EMAIL_LINK_RATE_IP = "x"
    settings.CACHE_OUTAGE_POLICY = "x"
    ids = sorted(message.id for message in configuration_messages())
    assert ids == ["accounts.E001", "accounts.E007", "emails.E001", "jwtsite.E001", "mfa.E001"]


@pytest.mark.parametrize("app", sorted(APP_CONFS))
def test_an_app_works_when_the_project_omits_its_settings(settings, app):
    """Deleting every one of the app's settings: the app's defaults apply, and pass its checks."""
    conf = APP_CONFS[app].app_settings
    for name in conf.names():
        if hasattr(settings, name):
            delattr(settings, name)
    for name, default in conf.defaults.items():
        assert getattr(conf, name) == default, name
    assert configuration_messages() == []


def test_the_computed_defaults_when_omitted(settings):
    for name in ("JWT_COOKIE_SECURE", "JWT_SIGNING_KEY", "SITE_URL", "SIGN_IN_STAGES", "REAUTHENTICATION_METHODS"):
        if hasattr(settings, name):
            delattr(settings, name)
    assert accounts_conf.JWT_COOKIE_SECURE is not settings.DEBUG
    assert len(accounts_conf.JWT_SIGNING_KEY) == 64
    assert accounts_conf.JWT_SIGNING_KEY not in (settings.SECRET_KEY, "")
    assert site_conf.SITE_URL == "http://localhost:8000"
    assert accounts_conf.SIGN_IN_STAGES == ("emails.stages.verified_email", "mfa.stages.second_factor")
    assert accounts_conf.REAUTHENTICATION_METHODS == (
        "accounts.reauthentication.password",
        "mfa.reauthentication.passkey",
        "mfa.reauthentication.code",
    )


def test_a_project_setting_wins_over_the_default(settings):
    settings.MAX_SESSIONS_PER_USER = 7
    settings.MFA_TOTP_ISSUER = "Acme"
    settings.EMAIL_LINK_RATE_IP = "1/min"
    settings.SITE_URL = "https://example.com/"
    assert (accounts_conf.MAX_SESSIONS_PER_USER, mfa_conf.MFA_TOTP_ISSUER) == (7, "Acme")
    assert emails_conf.EMAIL_LINK_RATE_IP == "1/min"
    assert site_conf.SITE_URL == "https://example.com"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        accounts_conf.NO_SUCH_SETTING  # noqa: B018


def test_each_default_lives_in_one_place():
    """jwtsite/settings.py names no app setting's default: each is in exactly one app's conf.py."""
    owners = {}
    for app, conf in APP_CONFS.items():
        for name in conf.app_settings.names():
            owners.setdefault(name, []).append(app)
    assert {name: apps for name, apps in owners.items() if len(apps) > 1} == {}
    source = (BASE_DIR / "jwtsite" / "settings.py").read_text()
    assigned_there = [name for name in owners if re.search(rf"^{name}\s*=", source, re.MULTILINE)]
    assert assigned_there == []


@pytest.mark.parametrize("app", sorted(APP_CONFS))
def test_no_module_attribute_hides_a_setting(app):
    """``conf.NAME`` reaches the setting only if the module has no attribute of that name itself."""
    module = APP_CONFS[app]
    assert [name for name in module.app_settings.names() if name in vars(module)] == []


BAD_ENVIRONMENT = {
    "JWT_LEEWAY": "61",
    "MAX_SESSIONS_PER_USER": "0",
    "USER_CACHE_SIZE": "lots",  # not even a number: still reported, with the others
    "EMAIL_VERIFICATION": "always",
    "MFA_FAILURE_NOTICE_AFTER": "0",
    "PASSWORD_RESET_RATE_EMAIL": "often",
    "CACHE_OUTAGE_POLICY": "sometimes",
}
BAD_ENVIRONMENT_IDS = [
    "accounts.E001",
    "accounts.E007",
    "accounts.E010",
    "accounts.E012",
    "emails.E001",
    "jwtsite.E001",
    "mfa.E001",
]


def manage_py(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 64, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.process
def test_check_deploy_lists_every_bad_value_at_once():
    result = manage_py("check", "--deploy", **BAD_ENVIRONMENT)
    assert result.returncode == 1
    report = result.stderr
    for name in BAD_ENVIRONMENT:
        assert f") {name} must be" in report, name
    assert "not 'lots'" in report
    for check_id in BAD_ENVIRONMENT_IDS:
        assert f"({check_id})" in report
    assert report.count("HINT:") == len(BAD_ENVIRONMENT)


@pytest.mark.process
def test_the_wsgi_entry_point_refuses_to_serve_naming_each_bad_value():
    result = run_python("import jwtsite.wsgi", DJANGO_SECRET_KEY="k" * 50, **BAD_ENVIRONMENT)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert sorted(line.rsplit("(", 1)[1].rstrip(")") for line in lines[:-1]) == BAD_ENVIRONMENT_IDS
    assert all(line.startswith("jwtsite: ") for line in lines)
    assert lines[-1] == "jwtsite: python manage.py check lists them with hints."


@pytest.mark.process
def test_the_asgi_entry_point_refuses_too_for_errors_only():
    result = run_python("import jwtsite.asgi", DJANGO_SECRET_KEY="k" * 50, JWT_LEEWAY="61", SITE_URL="localhost")
    assert result.returncode == 1
    # jwtsite.W001 (SITE_URL) is a warning: check lists it, it stops nothing.
    assert result.stderr.strip().splitlines() == [
        "jwtsite: JWT_LEEWAY must be a whole number from 0 to 60, not 61. (accounts.E001)",
        "jwtsite: python manage.py check lists them with hints.",
    ]


def test_a_warning_alone_does_not_stop_the_server(settings):
    from jwtsite.checks import configuration_refusal

    settings.SITE_URL = "localhost"
    assert configuration_refusal() is None


@pytest.mark.process
def test_migrate_refuses_before_touching_the_database(tmp_path):
    result = manage_py("migrate", "--noinput", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", JWT_LEEWAY="61")
    assert result.returncode == 1
    assert "(accounts.E001) JWT_LEEWAY must be a whole number from 0 to 60, not 61." in result.stderr
    assert "Operations to perform" not in result.stdout
