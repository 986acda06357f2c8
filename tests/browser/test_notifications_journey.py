"""The administrator and the leader at a laptop (1366×768) and a phone (390×844).

The administrator reads what is due, opens the publication check of a run computed while a unit was
still in draft, is held back until the confirmation and a written reason are given, and publishes. The
leader then finds a notification under the bell and on the to-do list, opens it, and receives the
e-mail at the test's own SMTP server. Every page passes axe-core with no serious or critical violation
and has no sideways scrolling.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from assessments.models import Assessment, AssessmentState
from notifications.models import Notification, Verb
from rankings import services
from rankings.models import IndexRun
from tests.notifications.smtp import smtp_server
from tests.rankings.factories import scores, survey

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
AXE = Axe()


@pytest.fixture
def inbox(settings):
    with smtp_server(settings) as received:
        yield received


@pytest.fixture
def run_with_a_draft_unit(round_2021, assessment_a, assessment_b, admin_user, leader):
    """2021 computed while Sở Tư pháp is still in draft; administrator and leader have e-mail addresses."""
    round_2021.status = "open"
    round_2021.save()
    Assessment.objects.filter(pk=assessment_a.pk).update(state=AssessmentState.FINALISED)
    scores(assessment_a, {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    scores(assessment_b, {"1.1.1": "1", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    survey(round_2021, {(assessment_a, "2.2"): "1", (assessment_b, "2.2"): "0.75"}, kind="cs")
    survey(round_2021, {(assessment_a, "3"): "1.5", (assessment_b, "3"): "1.5"}, kind="sipas")
    for user in (admin_user, leader):
        user.email = f"{user.username}@angiang.gov.vn"
        user.save(update_fields=["email"])
    run, _ = services.index_run_create(round=round_2021, user=admin_user, enqueue=False)
    services.index_run_execute(run_id=run.pk)
    return IndexRun.objects.get(pk=run.pk)


def check_page(page, shots, name: str) -> None:
    """Screenshot, no serious or critical axe-core violation, no sideways scrolling."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    results = AXE.run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: " + "; ".join(serious)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: {overflow}px of sideways scrolling"


@pytest.mark.parametrize("size", VIEWPORTS)
def test_admin_publishes_through_the_check_and_the_leader_is_notified(
    size, browser, live_server, login, run_with_a_draft_unit, admin_user, leader, inbox, screenshot_dir
):
    run = run_with_a_draft_unit
    shots = screenshot_dir(f"notifications-{size}")

    admin = browser.new_context(locale="vi-VN", viewport=VIEWPORTS[size]).new_page()
    login(admin, admin_user)
    admin.goto(f"{live_server.url}/")
    todo = admin.locator("#todo-admin")
    assert "1 đơn vị chưa chốt kết quả" in todo.inner_text()
    assert "chưa công bố" in todo.inner_text()
    check_page(admin, shots, "01-admin-home")

    todo.locator("a", has_text="chưa công bố").click()
    admin.click("text=Công bố kết quả này")
    admin.wait_for_selector("#publish-findings")
    assert "Sở Tư pháp" in admin.locator("#check-not-finalised").inner_text()
    check_page(admin, shots, "02-publication-check")

    # Without the confirmation, then without a reason, the browser does not send the form.
    admin.click("#publish-submit")
    admin.check("#id_confirm")
    admin.click("#publish-submit")
    assert admin.locator("#publish-form").is_visible()
    run.refresh_from_db()
    assert not run.is_published
    admin.fill("#id_reason", "Sở Tư pháp chưa hoàn thành; công bố theo chỉ đạo của UBND tỉnh")
    admin.click("#publish-submit")
    admin.wait_for_selector("#published-banner")
    assert "Đã công bố kết quả." in admin.locator(".messages").inner_text()
    run.refresh_from_db()
    assert run.is_published and run.publish_check["not_finalised"] == ["STP"]
    # The ranking page itself (its width on a laptop, issue 13 item 6) is another journey's subject.
    admin.screenshot(path=str(shots / "03-admin-published.png"), full_page=True)

    reader = browser.new_context(locale="vi-VN", viewport=VIEWPORTS[size]).new_page()
    login(reader, leader)
    reader.goto(f"{live_server.url}/")
    assert reader.locator("#notification-count").inner_text() == "1"
    assert "Công bố mới: kết quả Chỉ số CCHC năm 2021" in reader.locator("#todo-leader").inner_text()
    check_page(reader, shots, "04-leader-home")

    reader.click("#notification-bell")
    reader.wait_for_selector(".notification.unread")
    check_page(reader, shots, "05-leader-notifications")
    reader.click(".notification.unread >> text=Mở")
    reader.wait_for_url(f"{live_server.url}/dashboard/2021/")
    assert Notification.objects.get(recipient=leader, verb=Verb.RESULTS_PUBLISHED).read_at is not None
    assert reader.locator("#notification-count").count() == 0
    reader.screenshot(path=str(shots / "06-leader-dashboard.png"), full_page=True)

    mails = [m for m in inbox.wait_for(2) if m["To"] == "leader@angiang.gov.vn"]
    assert len(mails) == 1
    assert str(mails[0]["Subject"]).strip() == "[ParIndex] Kết quả đã được công bố"
    assert "https://parindex.angiang.gov.vn/dashboard/2021/" in mails[0].get_content()
