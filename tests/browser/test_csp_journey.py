"""Under the real Content-Security-Policy, Chromium blocks nothing on the main pages and htmx still works."""

import pytest

from assessments.models import LeafScore
from tests.assessments.factories import leaf
from tests.security.world import result_run

pytestmark = pytest.mark.browser


def watch_csp(page) -> list[str]:
    """Collect every console report of something the CSP refused (inline script/style, eval, foreign source)."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda msg: (
            blocked.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    return blocked


def test_officer_and_leader_pages_run_under_the_csp(
    page, live_server, login, officer_a, leader, assessment_a, assessment_b, screenshot
):
    result_run(assessment_a.round, published=True)
    blocked = watch_csp(page)
    login(page, officer_a)
    page.goto(f"{live_server.url}/assessments/{assessment_a.pk}/")
    node = leaf(assessment_a, "1.1.1")
    form = page.locator(f"#leaf-{node.pk} form.leaf-form")
    form.locator("select").select_option("2")
    form.locator("button[type=submit]").click()
    # The htmx save swaps the leaf in place (no page load): it worked if the score is stored.
    page.wait_for_function(
        "id => document.querySelector('#leaf-' + id) && document.querySelector('#leaf-' + id).innerText.includes('Đã lưu')",
        arg=node.pk,
    )
    assert LeafScore.objects.get(assessment=assessment_a, node=node).self_inputs == {"level": 2}
    screenshot(page, "security-csp", "01-officer-leaf-saved")
    page.context.clear_cookies()
    login(page, leader)
    for path in (
        "/",
        f"/dashboard/{assessment_a.round.year}/",
        f"/dashboard/{assessment_a.round.year}/ranking/",
        "/dashboard/trends/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    screenshot(page, "security-csp", "02-leader-trends")
    assert not blocked, "\n".join(blocked)
