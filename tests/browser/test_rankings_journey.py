"""An appraiser computes the index from the browser and follows its progress; an admin publishes it;
a leader reads the published ranking and a unit's breakdown."""

import pytest

from assessments.models import Assessment
from rankings.models import IndexRun
from tests.rankings.factories import scores, survey

pytestmark = pytest.mark.browser


@pytest.fixture
def scored_round(round_2021, assessment_a, assessment_b):
    Assessment.objects.filter(pk__in=[assessment_a.pk, assessment_b.pk]).update(state="finalised")
    scores(assessment_a, {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"})  # 7
    scores(assessment_b, {"1.1.1": "1", "1.1.2": "2", "1.2": "2", "2.1": "1"})  # 6
    survey(round_2021, {(assessment_a, "2.2"): "1", (assessment_b, "2.2"): "0.75"}, kind="cs")
    survey(round_2021, {(assessment_a, "3"): "1.5", (assessment_b, "3"): "1.5"}, kind="sipas")
    return round_2021


def test_compute_publish_and_read_the_ranking(
    page, live_server, login, scored_round, appraiser, admin_user, leader, screenshot_dir, browser
):
    shots = screenshot_dir("rankings")
    login(page, appraiser)
    page.goto(f"{live_server.url}/results/")
    page.click("text=Tính chỉ số")
    # The status fragment polls with htmx until the run is done (eager mode computes it at once).
    page.wait_for_selector('#run-status[data-status="succeeded"]')
    page.screenshot(path=shots / "01-run-done.png", full_page=True)
    page.click("text=Xem kết quả")
    assert page.locator("#provisional-banner").is_visible()
    page.screenshot(path=shots / "02-provisional.png", full_page=True)

    admin_page = browser.new_context(locale="vi-VN").new_page()
    login(admin_page, admin_user)
    admin_page.goto(f"{live_server.url}/dashboard/2021/ranking/?run=provisional")
    admin_page.click("text=Công bố kết quả này")
    # The publication check lists nothing here (every unit finalised and measured): confirming is enough.
    admin_page.wait_for_selector("#publish-clear")
    admin_page.check("#id_confirm")
    admin_page.click("#publish-submit")
    admin_page.wait_for_selector("#published-banner")
    assert IndexRun.objects.get().is_published

    leader_page = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900}).new_page()
    login(leader_page, leader)
    leader_page.goto(f"{live_server.url}/dashboard/2021/ranking/")
    rows = leader_page.locator("table.ranking tbody tr")
    # SNV 7 + 1 + 1,5 = 9,5 → 95,00 %, rank 1; STP 6 + 0,75 + 1,5 = 8,25 → 82,50 %, rank 2
    assert rows.nth(0).locator("td").nth(7).inner_text() == "95,00"
    assert rows.nth(1).locator("td").nth(7).inner_text() == "82,50"
    assert rows.nth(1).locator("td").nth(9).inner_text() == "Tốt"
    leader_page.screenshot(path=shots / "03-leader-ranking.png", full_page=True)
    leader_page.click("text=Sở Tư pháp")
    assert leader_page.locator('table.criteria tr[data-code="1.1"] td.lost').inner_text() == "1,00"
    leader_page.screenshot(path=shots / "04-leader-unit.png", full_page=True)
