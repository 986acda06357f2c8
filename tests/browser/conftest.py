"""Shared browser fixtures: pytest-playwright's ``browser`` and ``page`` driving Debian's Chromium.

Use with pytest-django's ``live_server`` (and ``transactional_db``); ``login(page, user)`` signs a
persona in through the login form; ``screenshot(page, "journey", "01-name")`` saves under
artifacts/screenshots/<journey>/.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        require_service(f"{CHROMIUM} is not installed")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
        "viewport": {"width": 1400, "height": 1000}, "accept_downloads": True,
    }


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def login(live_server):
    """Sign in through the login form (a fresh cookie jar per persona)."""

    def _login(page, user, password: str = PASSWORD):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click(".login-box button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


@pytest.fixture
def screenshot():
    def _shot(page, journey: str, name: str) -> Path:
        folder = SCREENSHOTS / journey
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
