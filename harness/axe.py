"""axe-core in the browser tests: the accessibility rules run against a page as it is shown.

``npm ci`` in e2e/a11y (skipped when what is installed came from the same lock
file, as harness/oidc_provider.py does), then ``axe.min.js`` goes into the page
with Playwright's ``add_script_tag`` and ``axe.run()`` checks what is on screen
(hidden parts are skipped, as assistive technology skips them). The page's
context must be opened with ``bypass_csp=True``: the site's Content-Security-Policy
allows no injected script, and only the test's own is let through. Without npm
the tests skip, saying why; with ``CI`` set they fail instead.
"""

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from harness import npm

FOLDER = Path(__file__).resolve().parent.parent / "e2e" / "a11y"
SCRIPT = FOLDER / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices (landmarks, headings, regions).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


WHAT = "the accessibility tests"


@cache
def axe_script() -> Path:
    """axe.min.js, installed from e2e/a11y/package-lock.json if it is not yet."""
    npm.npm_ci(FOLDER, what=WHAT)
    return SCRIPT


def axe_violations(page: Page) -> list[dict]:
    """What axe-core finds wrong on ``page`` as it is now: ``[{"id", "impact", "help", "nodes": [html...]}]``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    found = page.evaluate(
        """async (tags) => {
            const options = { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] };
            const results = await axe.run(document, options);
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.html + ' ' + n.failureSummary),
            }));
        }""",
        TAGS,
    )
    return found


def describe(violations: list[dict]) -> str:
    """The violations as lines a failing assertion shows."""
    return "\n".join(
        f"{each['id']} ({each['impact']}): {each['help']}\n    " + "\n    ".join(each["nodes"]) for each in violations
    )


def assert_no_violations(page: Page, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url} ({state}):\n{describe(violations)}"
