"""Fixtures of the providers tests: a provider on loopback, configured as ``acme``."""

import pytest

from providers.tests.fake_provider import FakeProvider


@pytest.fixture
def fake_provider(settings):
    provider = FakeProvider().start()
    settings.OIDC_PROVIDERS = [provider.config()]
    yield provider
    provider.stop()
