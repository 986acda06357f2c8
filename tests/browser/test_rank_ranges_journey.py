"""A leader reads the ranking and sees which units are statistically tied, and a unit's interval."""

import pytest

from tests.lineage.helpers import tied_round

pytestmark = pytest.mark.browser


def test_leader_sees_rank_ranges_and_intervals(
    page, live_server, login, round_2021, framework, department_group, admin_user, leader, screenshot_dir
):
    tied_round(round_2021, department_group, admin_user)
    login(page, leader)
    page.goto(f"{live_server.url}/dashboard/2021/ranking/")
    row_a = page.locator("table.ranking tr[data-unit=A]")
    assert "ngang hạng 1–2" in row_a.locator(".rank-range").inner_text()
    assert "83,56–100,00" in row_a.locator(".interval").inner_text()
    assert "ngang hạng 1–2" in page.locator("table.ranking tr[data-unit=B] .rank-range").inner_text()
    assert page.locator("#interval-legend").is_visible()
    page.screenshot(path=screenshot_dir("rank-ranges") / "01-ranking.png", full_page=True)
    page.click("table.ranking tr[data-unit=A] a")
    assert "83,56–100,00" in page.locator(".kpi .interval").first.inner_text()
