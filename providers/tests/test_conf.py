"""``OIDC_PROVIDERS``: parsed at call time, and a malformed value reported at start by a system check."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from providers import conf
from providers.checks import oidc_providers_check

GOOD = {"id": "acme", "name": "Acme", "issuer": "https://id.acme.example/", "client_id": "c", "client_secret": "s"}


def test_a_json_string_from_the_environment(settings):
    settings.OIDC_PROVIDERS = json.dumps([GOOD, {**GOOD, "id": "other", "scopes": "openid email"}])
    acme, other = conf.providers()
    assert (acme.issuer, acme.scopes, other.scopes) == (
        "https://id.acme.example",
        "openid email profile",
        "openid email",
    )
    assert acme.discovery_url == "https://id.acme.example/.well-known/openid-configuration"
    settings.SITE_URL = "https://site.example"
    assert acme.redirect_uri == "https://site.example/api/auth/providers/acme/callback/"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "acme"}', "JSON list"),
        (["acme"], "not an object"),
        ([{**GOOD, "client_secret": ""}], "lacks client_secret"),
        ([{k: v for k, v in GOOD.items() if k != "issuer"}], "lacks issuer"),
        ([{**GOOD, "id": "Acme Corp"}], "lower-case"),
        ([GOOD, GOOD], "used twice"),
        ([{**GOOD, "issuer": "ftp://id.example"}], "http(s) URL"),
        ([{**GOOD, "scopes": "email profile"}], "includes openid"),
        ([{**GOOD, "secret": "typo"}], "unknown keys"),
    ],
)
def test_a_malformed_value_is_an_error_at_start_and_no_provider_at_run_time(settings, value, says):
    settings.OIDC_PROVIDERS = value
    (error,) = oidc_providers_check()
    assert error.id == "providers.E001"
    assert says in error.msg
    assert conf.providers() == []
    with pytest.raises(SystemCheckError):
        call_command("check")


def test_plain_http_away_from_loopback_is_a_warning(settings):
    settings.OIDC_PROVIDERS = [{**GOOD, "issuer": "http://id.acme.example"}]
    (warning,) = oidc_providers_check()
    assert warning.id == "providers.W001"
    settings.OIDC_PROVIDERS = [{**GOOD, "issuer": "http://127.0.0.1:9000"}]
    assert oidc_providers_check() == []


def test_unset_is_no_provider(settings):
    settings.OIDC_PROVIDERS = ""
    assert conf.providers() == []
    assert oidc_providers_check() == []
