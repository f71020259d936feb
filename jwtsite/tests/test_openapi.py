"""The OpenAPI description: valid, complete against API.md, and served without the internet."""

import re
from http import HTTPStatus

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# Every operation of API.md's endpoint tables.
CONTRACT = {
    ("get", "/api/auth/csrf/"),
    ("post", "/api/auth/register/"),
    ("post", "/api/auth/login/"),
    ("post", "/api/auth/refresh/"),
    ("post", "/api/auth/logout/"),
    ("post", "/api/auth/logout-all/"),
    ("post", "/api/auth/password/"),
    ("get", "/api/auth/sessions/"),
    ("delete", "/api/auth/sessions/{session_id}/"),
    ("get", "/api/me/"),
    ("post", "/api/token/"),
    ("post", "/api/token/refresh/"),
    ("post", "/api/token/blacklist/"),
    ("post", "/api/auth/passkeys/login/options/"),
    ("post", "/api/auth/passkeys/login/"),
    ("get", "/api/auth/passkeys/"),
    ("post", "/api/auth/passkeys/register/options/"),
    ("post", "/api/auth/passkeys/"),
    ("patch", "/api/auth/passkeys/{passkey_id}/"),
    ("delete", "/api/auth/passkeys/{passkey_id}/"),
    ("post", "/api/auth/totp/"),
    ("post", "/api/auth/totp/confirm/"),
    ("delete", "/api/auth/totp/"),
    ("post", "/api/auth/recovery-codes/"),
    ("post", "/api/auth/login/mfa/"),
    # Passkeys as a way in (docs/passkeys.md).
    ("post", "/api/auth/passkeys/signup/options/"),
    ("post", "/api/auth/passkeys/signup/"),
    ("post", "/api/auth/login/mfa/passkey/options/"),
    ("post", "/api/auth/login/mfa/passkey/"),
    ("get", "/api/posts/"),
    ("post", "/api/posts/"),
    ("get", "/api/posts/{id}/"),
    ("patch", "/api/posts/{id}/"),
    ("put", "/api/posts/{id}/"),
    ("delete", "/api/posts/{id}/"),
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_validates_with_no_warning_and_covers_the_contract(schema):
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert operations >= CONTRACT


def test_the_security_schemes_are_described(schema):
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert schema["components"]["securitySchemes"]["cookieAuth"]["in"] == "cookie"
    assert schema["components"]["securitySchemes"]["dpopAuth"]["scheme"] == "DPoP"
    assert schema["paths"]["/api/me/"]["get"]["security"] == [{"bearerAuth": []}, {"dpopAuth": []}, {"cookieAuth": []}]
    assert "security" not in schema["paths"]["/api/auth/login/"]["post"]


def test_cookie_endpoints_document_the_csrf_header_and_errors(schema):
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert {"in": "header", "name": "X-CSRFToken"}.items() <= login["parameters"][0].items()
    assert {"200", "400", "401", "403", "429"} <= set(login["responses"])
    assert schema["paths"]["/api/posts/{id}/"]["patch"]["responses"]["403"]


def test_every_database_backed_operation_documents_the_503(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = "503" in operation["responses"]
            assert documented == (path not in {"/.well-known/jwks.json", "/api/auth/csrf/"}), (method, path)
    unavailable = schema["paths"]["/api/me/"]["get"]["responses"]["503"]
    assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_schema_endpoint_is_public(client):
    response = client.get("/api/schema/")
    assert response.status_code == HTTPStatus.OK
    assert b"openapi: 3" in response.content


def test_swagger_ui_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    external = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url.startswith(("http:", "https:", "//"))]
    assert external == []


def test_registration_documents_that_a_taken_address_gets_the_same_answer(schema):
    """Issue 19: a taken address is never a 400 at registration; the schema says so."""
    operation = schema["paths"]["/api/auth/register/"]["post"]
    assert "whether or not another account holds `email`" in operation["description"]
    assert "whether or not `email` is taken" in operation["responses"]["201"]["description"]
    assert "Never a taken `email`" in operation["responses"]["400"]["description"]
    email = schema["components"]["schemas"]["RegisterInputRequest"]["properties"]["email"]
    assert "the answer is the same 201" in email["description"]


def test_the_token_endpoints_document_dpop(schema):
    for path in ("/api/token/", "/api/token/refresh/"):
        post = schema["paths"][path]["post"]
        assert {"in": "header", "name": "DPoP"}.items() <= next(
            p for p in post["parameters"] if p["name"] == "DPoP"
        ).items()
    pair = schema["components"]["schemas"]["TokenPairOutput"]
    assert "token_type" in pair["properties"]
    assert "token_type" not in pair.get("required", [])
