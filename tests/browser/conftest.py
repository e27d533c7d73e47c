"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Playwright's own browser download cannot work here, so the launch names /usr/bin/chromium
(override with CHROMIUM). Screenshots go to test-artifacts/ for people to look at.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# axe-core is a test-only npm dependency (package.json); `make test` installs it.
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_BLOCKING = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/sysdeps.sh (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="vi-VN"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message):
        # A 403 or 404 that a test asks for is logged too; it is not a page error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert errors == [], f"JavaScript or CSP errors in the browser: {errors}"


@pytest.fixture
def phone_page(browser, live_server):
    """A 360-px-wide phone screen."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    return take


@pytest.fixture
def demo_city(transactional_db, settings, tmp_path):
    """The demo city of `make demo`, in the live server's database."""
    from django.core.management import call_command

    settings.AXES_ENABLED = False
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's consent scans
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `make test` (or `npm ci`) to install it")
    return AXE_JS.read_text(encoding="utf-8")


def describe_violations(violations, limit=3):
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" [{len(violation['nodes'])} element(s)] {violation['helpUrl']}"
        )
        for node in violation["nodes"][:limit]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.fixture
def axe(axe_source):
    """`check(page, label)`: run axe-core's WCAG 2.1 A and AA rules on the page as it is
    now, and fail on any serious or critical violation."""

    def check(page, label):
        # The portal's CSP has no 'unsafe-inline', so page.add_script_tag(), which adds
        # an inline <script>, is refused (and logs a CSP error). page.evaluate() runs the
        # source through the DevTools protocol, which CSP does not govern, so the pages
        # are checked under their real policy and the portal never serves axe.
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        blocking = [v for v in results["violations"] if v["impact"] in AXE_BLOCKING]
        if blocking:
            pytest.fail(
                f"axe-core: {len(blocking)} serious or critical accessibility violation(s)"
                f" on {label} ({page.url}):\n{describe_violations(blocking)}",
                pytrace=False,
            )
        return results

    return check
