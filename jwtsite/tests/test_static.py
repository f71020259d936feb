"""Static files as deployed: hashed names all the way down the module imports, and /favicon.ico.

``make serve`` collects the static files with the production storage
(``jwtsite.storage.StaticFilesStorage``): each page names its script by a
hashed name, and the scripts' own ``import … from './api.js'`` must name
hashed files too, or a browser could run a new page script against an old
cached ``api.js`` after a deploy.
"""

import json
import posixpath
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.test import override_settings

from jwtsite.tests.test_site import run_python

pytestmark = pytest.mark.django_db

PRODUCTION_STORAGE = "jwtsite.storage.StaticFilesStorage"
STATIC_SOURCE = Path(settings.BASE_DIR) / "static"
# Every static import in our scripts, whatever the quotes: `… from "../api.js";`
IMPORT = re.compile(r"""\bfrom\s*["']([^"']+)["']""")


def production_settings(static_root: Path, **extra):
    return override_settings(
        STATIC_ROOT=static_root,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}},
        **extra,
    )


def every_extension() -> list[str]:
    return sorted({Path(path).suffix[1:] for finder in get_finders() for path, _ in finder.list(None)} - {""})


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """Every static file (ours, the admin's, DRF's, Swagger UI's) collected as ``make serve`` does.

    Module imports are rewritten in every app's scripts, so all of them are
    collected: one that the rewriting broke would fail here. Compression is
    skipped: it is whitenoise's business, and two thirds of the time.
    """
    root = tmp_path_factory.mktemp("staticfiles")
    with production_settings(root, WHITENOISE_SKIP_COMPRESS_EXTENSIONS=every_extension()):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


@pytest.fixture(scope="module")
def manifest(collected) -> dict[str, str]:
    return json.loads((collected / "staticfiles.json").read_text())["paths"]


def imports_of(collected: Path, hashed: str) -> list[str]:
    """The files a collected script imports, as names in the manifest (``js/api.<hash>.js``)."""
    source = (collected / hashed).read_text()
    return [posixpath.normpath(posixpath.join(posixpath.dirname(hashed), target)) for target in IMPORT.findall(source)]


class TestHashedModuleImports:
    @pytest.mark.process
    def test_production_uses_the_storage_that_rewrites_imports(self):
        result = run_python(
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.STORAGES['staticfiles']['BACKEND'])",
            DJANGO_SETTINGS_MODULE="jwtsite.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="k" * 50,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == PRODUCTION_STORAGE

    def test_a_page_script_imports_the_hashed_api_module(self, collected, manifest):
        home = (collected / manifest["js/pages/home.js"]).read_text()
        api = Path(manifest["js/api.js"]).name
        assert re.fullmatch(r"api\.[0-9a-f]{12}\.js", api)
        assert f'from "../{api}";' in home
        assert "'../api.js'" not in home

    def test_every_import_of_every_script_of_ours_names_a_hashed_file(self, collected, manifest):
        """Down the whole chain: page script, api.js, session-sync.js."""
        ours = sorted(str(path.relative_to(STATIC_SOURCE)) for path in STATIC_SOURCE.rglob("*.js"))
        hashed_names = set(manifest.values())
        seen = {}
        for name in ours:
            imported = imports_of(collected, manifest[name])
            assert set(imported) <= hashed_names, (name, imported)
            seen[name] = imported
        assert manifest["js/session-sync.js"] in seen["js/api.js"]
        assert manifest["js/api.js"] in seen["js/pages/login.js"]

    def test_a_page_names_its_hashed_script(self, client, collected, manifest):
        with production_settings(collected):
            html = client.get("/").content.decode()
        assert f'<script type="module" src="/static/{manifest["js/pages/home.js"]}"></script>' in html


class TestFavicon:
    def test_served_at_the_root(self, client):
        response = client.get("/favicon.ico")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "image/x-icon"
        icon = b"".join(response.streaming_content)
        assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
        assert icon == (STATIC_SOURCE / "root" / "favicon.ico").read_bytes()
