"""The repository stands alone: the README is a short front door, and no document links outside the repository."""

import re
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DOCUMENTS = [BASE_DIR / "README.md", *sorted((BASE_DIR / "docs").glob("*.md"))]
# Markdown links, and paths quoted as code that climb out of their folder (`../shared/API.md`).
LINK = re.compile(r"\]\(([^)\s]+)\)|`(\.\./[^`\s]+)`")
# Written by work merged alongside this (issues 18, 19, 20, 24); empty this set once they are in.
WRITTEN_ALONGSIDE: set[str] = set()


def local_links(document: Path) -> list[tuple[str, Path, bool]]:
    """Each local target with where it leads and whether it is a link (quoted code need not exist)."""
    links = []
    for link, quoted in LINK.findall(document.read_text()):
        target = link or quoted
        path = target.split("#", 1)[0]
        if path and not re.match(r"^[a-z][a-z0-9+.-]*:", path):
            links.append((target, (document.parent / path).resolve(), bool(link)))
    return links


def test_no_document_links_outside_the_repository():
    for document in DOCUMENTS:
        for target, path, is_link in local_links(document):
            assert path.is_relative_to(BASE_DIR), f"{document.name} points outside the repository: {target}"
            relative = path.relative_to(BASE_DIR).as_posix()
            exists = path.exists() or relative in WRITTEN_ALONGSIDE or not is_link
            assert exists, f"{document.name}: {target} does not exist"


def test_the_readme_is_a_front_door():
    readme = (BASE_DIR / "README.md").read_text()
    assert len(readme.splitlines()) <= 120
    assert "make run" in readme
    assert "make test" in readme
    assert "PORT" in readme
    for topic in ("api", "configuration", "operations", "security", "two-factor", "benchmarks"):
        assert f"(docs/{topic}.md)" in readme
