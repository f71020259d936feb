"""Schemathesis against the live schema: no 5xx, every response as documented.

Every operation is fuzzed twice, once authenticated by Bearer and once by the
cookie plus ``X-CSRFToken``, with a fixed seed and a bounded number of
examples. Each example gets a fresh session, since the fuzzer is free to call
logout-all or change the password. After each operation the server must still
answer ``/healthz`` and a normal login.
"""

from http import HTTPStatus

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import conf, services
from accounts.client import ClientInfo
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def served_schema() -> dict:
    """What ``GET /api/schema/`` serves (the live server starts only inside each test)."""
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(served_schema())


@pytest.fixture(autouse=True)
def _no_login_throttle(settings):
    # Login endpoints are fuzzed too; the throttle must not hide what they answer.
    settings.LOGIN_RATE_USERNAME = settings.LOGIN_RATE_IP = "100000/min"


@pytest.fixture
def fuzz_user():
    return UserFactory()


@pytest.fixture(autouse=True)
def _server_survives(live_server, fuzz_user):
    yield
    fresh_tokens(fuzz_user)
    assert requests.get(f"{live_server.url}/healthz", timeout=10).json()["status"] == "ok"
    login = requests.post(
        f"{live_server.url}/api/token/",
        json={"username": fuzz_user.username, "password": DEFAULT_PASSWORD},
        timeout=10,
    )
    assert login.status_code == HTTPStatus.OK, login.text


def fresh_tokens(user):
    # The fuzzer may have deleted the account (DELETE /api/auth/account/): bring it back;
    # or renamed it (PATCH /api/auth/account/): give it its name back.
    if not User.objects.filter(pk=user.pk).exists():
        UserFactory(id=user.pk, username=user.username, email=user.email)
    else:
        User.objects.filter(pk=user.pk).exclude(username=user.username).update(
            username=user.username, username_key=user.username_key
        )
    return services.session_create(user=user, client=ClientInfo(ip_address="127.0.0.1", user_agent="fuzzer"))


@schema.parametrize()
@FUZZ_SETTINGS
def test_bearer(case, fuzz_user, live_server):
    tokens = fresh_tokens(fuzz_user)
    case.call_and_validate(
        base_url=live_server.url, headers={"Authorization": f"Bearer {tokens.access}"}, checks=CHECKS
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_cookie_with_csrf(case, fuzz_user, live_server):
    tokens = fresh_tokens(fuzz_user)
    csrf = requests.get(f"{live_server.url}/api/auth/csrf/", timeout=10).cookies["csrftoken"]
    cookies = {conf.access_cookie_name(): tokens.access, conf.refresh_cookie_name(): tokens.refresh, "csrftoken": csrf}
    case.call_and_validate(base_url=live_server.url, headers={"X-CSRFToken": csrf}, cookies=cookies, checks=CHECKS)
