"""Headless Chromium (Debian's `chromium`, driven by Playwright) for the browser tests.

Screenshots go to test-output/browser/; with UPDATE_SCREENSHOTS=1 they are also copied to
docs/screenshots/ for the README. Without Chromium the tests are skipped on a developer's machine
but fail in CI (CI set), where .ci/run installs it.
"""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
DOCS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; CI must run the browser tests (see .ci/run)")
    pytest.skip(f"{what} is missing (installed in CI; locally: apt-get install chromium, pip install playwright)")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _missing("Chromium")
    return path


@pytest.fixture(scope="module")  # stopped before other test directories run: no event loop left behind
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python")
    # Never `playwright install`: the system's Chromium is the browser under test.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot():
    """screenshot(page, name, **options): save test-output/browser/<name>.png (and the docs copy)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, **options) -> Path:
        path = OUTPUT / f"{name}.png"
        page.screenshot(path=str(path), **options)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS / path.name)
        return path

    return save
