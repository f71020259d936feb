"""The server-rendered pages and the browsable API, without a browser.

What a browser cannot easily prove lives here: every page renders with its
labels and buttons, loads only its own static files, and has no inline script,
style or event handler (a ``script-src 'self'`` Content-Security-Policy must
not break it). The browser flows are in ``e2e/test_browser.py``.
"""

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

STATIC_DIR = Path(settings.BASE_DIR) / "static"
JS_FILES = sorted(STATIC_DIR.rglob("*.js"))

PAGES = {
    "pages:home": {"texts": ["Log out", "Log in", "Register"]},
    "pages:login": {
        "labels": ["Username", "Password", "Remember me", "Authentication code"],
        "buttons": ["Log in", "Sign in with a passkey", "Verify", "Use a recovery code", "Use a passkey"],
        "texts": ['href="/password-reset/">Forgot password?</a>', "Two-factor authentication"],
    },
    "pages:register": {"labels": ["Username", "Email", "Password"], "buttons": ["Register", "Sign up with a passkey"]},
    "pages:posts": {"labels": ["Title", "Body"], "buttons": ["Publish"]},
    "pages:sessions": {
        "buttons": ["Log out everywhere", "Revoke"],
        "texts": ["This device", "User agent", "IP address", "Last used", 'href="/account/#password-heading"'],
    },
    "pages:account": {
        "labels": ["New email", "Current password", "New password", "Password", "Passkey name", "Code from the app"],
        "buttons": [
            "Change email",
            "Change password",
            "Delete account",
            "Confirm",
            "Use a passkey",
            "Add a passkey",
            "Rename",
            "Remove",
            "Turn on two-factor",
            "Verify and turn on",
            "Copy codes",
            "Download codes",
            "New recovery codes",
            "Turn off two-factor",
        ],
        "texts": ["Email", "Change email", "Confirm it is you", "Passkeys", "Two-factor authentication"],
    },
    "pages:password-reset": {"labels": ["Email"], "buttons": ["Send reset link"]},
    "pages:password-reset-confirm": {"labels": ["New password"], "buttons": ["Set new password"]},
    "pages:verify-email": {"texts": ["Your email address is verified."]},
}
PAGE_URLS = {name: reverse(name) for name in PAGES}


def labels_of(html: str) -> list[str]:
    """The visible text of each ``<label>``, markup and extra spaces removed."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", label).split()) for label in re.findall(r"<label[^>]*>(.*?)</label>", html)
    ]


def buttons_of(html: str) -> list[str]:
    return [text.strip() for text in re.findall(r"<button[^>]*>(.*?)</button>", html, flags=re.S)]


@pytest.fixture(params=list(PAGES))
def page_name(request) -> str:
    return request.param


class TestPages:
    def test_paths_are_the_contracts(self):
        assert PAGE_URLS == {
            "pages:home": "/",
            "pages:login": "/login/",
            "pages:register": "/register/",
            "pages:posts": "/posts/",
            "pages:sessions": "/sessions/",
            "pages:account": "/account/",
            "pages:password-reset": "/password-reset/",
            "pages:password-reset-confirm": "/password-reset/confirm/",
            "pages:verify-email": "/verify-email/",
        }

    def test_renders_with_its_labels_and_buttons(self, client, page_name):
        response = client.get(PAGE_URLS[page_name])
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        expected = PAGES[page_name]
        labels = labels_of(html)
        for label in expected.get("labels", []):
            assert any(text == label or text.startswith(f"{label} (") for text in labels), (label, labels)
        for button in expected.get("buttons", []):
            assert button in buttons_of(html), (button, buttons_of(html))
        for text in expected.get("texts", []):
            assert text in html

    def test_every_field_has_a_label(self, client, page_name):
        html = client.get(PAGE_URLS[page_name]).content.decode()
        field_ids = re.findall(r"<(?:input|textarea|select)[^>]*\bid=\"([^\"]+)\"", html)
        label_targets = re.findall(r"<label[^>]*\bfor=\"([^\"]+)\"", html)
        assert set(field_ids) <= set(label_targets)

    def test_sets_the_csrf_cookie(self, client, page_name):
        response = client.get(PAGE_URLS[page_name])
        assert response.cookies["csrftoken"].value

    def test_no_inline_script_style_or_event_handler(self, client, page_name):
        html = client.get(PAGE_URLS[page_name]).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
        assert scripts, "every page has its module"
        for attributes, body in scripts:
            assert 'type="module"' in attributes
            assert re.search(r'\bsrc="/static/', attributes), attributes
            assert body.strip() == ""
        assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
        assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
        assert "<style" not in html

    def test_its_static_files_exist(self, client, page_name):
        html = client.get(PAGE_URLS[page_name]).content.decode()
        referenced = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
        assert any(path.endswith(".css") for path in referenced)
        for path in referenced:
            assert finders.find(path), path

    def test_is_responsive_and_in_english(self, client, page_name):
        html = client.get(PAGE_URLS[page_name]).content.decode()
        assert '<html lang="en">' in html
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
        assert 'role="alert"' in html

    def test_pages_answer_the_same_signed_in_or_not(self, auth_client, client, page_name):
        # Who is signed in is the script's business (via /api/me/), never the page's.
        assert auth_client.get(PAGE_URLS[page_name]).status_code == HTTPStatus.OK
        assert client.get(PAGE_URLS[page_name]).status_code == HTTPStatus.OK

    def test_home_starts_neutral(self, client):
        html = client.get("/").content.decode()
        pending = re.search(r'<section id="who-pending"[^>]*>', html).group(0)
        assert "hidden" not in pending
        for section in ("who-signed-in", "who-signed-out"):
            assert re.search(rf'<section id="{section}"[^>]*\bhidden\b', html), section


class TestStaticScripts:
    def test_one_fetch_wrapper_that_sends_cookies_and_the_csrf_header(self):
        api_js = (STATIC_DIR / "js" / "api.js").read_text()
        assert "credentials: 'same-origin'" in api_js
        assert "'X-CSRFToken'" in api_js
        assert "/api/auth/refresh/" in api_js
        others = [path for path in JS_FILES if path.name != "api.js"]
        assert not [path for path in others if "fetch(" in path.read_text()], "only api.js calls fetch"

    @pytest.mark.parametrize("path", JS_FILES, ids=lambda path: str(path.relative_to(STATIC_DIR)))
    def test_no_web_storage_and_imports_resolve(self, path):
        source = re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M)  # comments may name them
        assert "localStorage" not in source
        assert "sessionStorage" not in source
        assert "innerHTML" not in source, "API text goes in through textContent"
        for target in re.findall(r"from '(\.{1,2}/[^']+)'", source):
            assert (path.parent / target).resolve().is_file(), target


class TestBrowsableApi:
    HTML = {"HTTP_ACCEPT": "text/html"}

    def test_signed_in_shows_the_user_and_a_log_out_button(self, auth_client, user):
        html = auth_client.get("/api/posts/", **self.HTML).content.decode()
        assert f"Signed in as <strong>{user.username}</strong>" in html
        assert 'id="api-logout"' in html
        assert '<script type="module" src="/static/js/drf.js"></script>' in html

    def test_signed_out_log_in_link_comes_back_here(self, client):
        response = client.get("/api/posts/?page=2", **self.HTML)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'href="/login/?next=/api/posts/%3Fpage%3D2"' in response.content.decode()

    def test_html_form_post_passes_csrf_with_the_form_field(self, auth_client):
        html = auth_client.get("/api/posts/", **self.HTML).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        # No X-CSRFToken header: only the form field, as a plain form submission sends it.
        response = auth_client.post(
            "/api/posts/",
            {"csrfmiddlewaretoken": token, "title": "From a form", "body": ""},
            format="multipart",
            csrf=False,
            **self.HTML,
        )
        assert response.status_code == HTTPStatus.CREATED, response.content[:500]

    def test_html_form_post_without_a_token_is_refused(self, auth_client):
        response = auth_client.post(
            "/api/posts/", {"title": "Forged", "body": ""}, format="multipart", csrf=False, **self.HTML
        )
        assert response.status_code == HTTPStatus.FORBIDDEN


def test_csrf_failure_page_is_ours():
    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "This request was refused" in html
    assert "/static/css/site.css" in html
