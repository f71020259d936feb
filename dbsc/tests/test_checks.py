"""dbsc's settings checks: bad values are named at start."""

import pytest

from dbsc import checks


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("DBSC", "yes", "dbsc.E001"),
        ("DBSC_CHALLENGE_TTL", 0, "dbsc.E002"),
        ("DBSC_ALGORITHMS", ["HS256"], "dbsc.E003"),
        ("DBSC_ALGORITHMS", [], "dbsc.E003"),
    ],
)
def test_bad_values_are_errors(settings, setting, value, check_id):
    setattr(settings, setting, value)
    assert [error.id for error in checks.check_settings()] == [check_id]


def test_the_defaults_pass(settings):
    assert checks.check_settings() == []
    assert checks.check_access_lifetime() == []


def test_an_access_lifetime_too_short_for_chromes_signing_quota_is_a_warning(settings):
    settings.ACCESS_TOKEN_LIFETIME = 60
    assert [warning.id for warning in checks.check_access_lifetime()] == ["dbsc.W001"]
    settings.DBSC = False
    assert checks.check_access_lifetime() == []
