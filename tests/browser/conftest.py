"""Shared Playwright fixtures: Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


@pytest.fixture
def screenshot_dir():
    def _dir(journey: str) -> Path:
        path = SCREENSHOTS / journey
        path.mkdir(parents=True, exist_ok=True)
        return path

    return _dir


@pytest.fixture
def login(live_server, password):
    """Log a user in through the login form: ``login(page, user)``."""

    def _login(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return _login


@pytest.fixture
def screenshot(screenshot_dir):
    """Save a full-page screenshot: ``screenshot(page, "journey", "01-name")``."""

    def _shot(page, journey: str, name: str) -> Path:
        path = screenshot_dir(journey) / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
