"""The officer's guided form and the appraiser's queue in Chromium, at 1366×768 and 390×844 (issue 12).

Officer: contents and filters, autosave that survives a reload, the leave-page warning, a conflict that keeps
the typed value, the submit summary, the explanation round. Appraiser: queue filters and bulk accept. Every
page passes axe-core (bundled by axe-playwright-python, no network) with no serious or critical violation and
has no sideways scrolling; screenshots land in artifacts/screenshots/officer-form-<size>/.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from assessments.models import LeafScore
from assessments.services import workflow
from tests.assessments.factories import fill, leaf, save_app, save_self
from tests.factories import UserFactory

VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
AXE = Axe()


def check_page(page, shots, name: str) -> None:
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


def card(page, code):
    return page.locator(f'article.leaf[data-code="{code}"]')


def new_page(browser, size):
    context = browser.new_context(locale="vi-VN", viewport=VIEWPORTS[size])
    p = context.new_page()
    p.set_default_timeout(15000)
    return p


@pytest.mark.parametrize("size", VIEWPORTS)
def test_officer_navigates_autosaves_meets_a_conflict_and_submits(
    size, transactional_db, browser, live_server, login, screenshot_dir, officer_a, assessment_a, unit_a
):
    shots = screenshot_dir(f"officer-form-{size}")
    page = new_page(browser, size)
    login(page, officer_a)
    detail = f"{live_server.url}/assessments/{assessment_a.pk}/"
    page.goto(detail)
    expect(page.locator("#overall-progress")).to_have_attribute("value", "0")
    check_page(page, shots, "01-empty")

    # autosave: no Save pressed; the status says saved, the value survives a reload
    if size == "phone":
        page.locator(".contents-box > summary").click()
    expect(page.locator("#next-unfinished")).to_contain_text("1.1.1")
    page.locator("#next-unfinished").click()
    select = card(page, "1.1.1").locator("select[name$='-level']")
    select.select_option(label="Ban hành đúng hạn (2,00)")
    expect(card(page, "1.1.1").locator("[data-save-status]")).to_contain_text("đã lưu lúc", timeout=10000)
    expect(page.locator("#self-total")).to_have_text("2,00 / 7,00")
    expect(page.locator("#overall-progress")).to_have_attribute("value", "1")
    focused = page.evaluate(
        "document.activeElement && document.activeElement.closest('article') && document.activeElement.closest('article').dataset.code"
    )
    assert focused == "1.1.1"  # focus stayed on the saved card
    page.reload()
    expect(card(page, "1.1.1").locator("select[name$='-level']")).to_have_value("2")

    # leave-page warning with unsaved input
    numerator = card(page, "1.1.2").locator("input[name$='-numerator']")
    numerator.fill("3")
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.evaluate("document.querySelector('article.leaf[data-code=\"1.1.2\"] form').classList.add('dirty')")
    page.evaluate("window.location.href = '/'")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.startswith(detail)

    # a conflict keeps the typed value
    page.reload()
    colleague = UserFactory(username=f"colleague_{size}", full_name="Trần Văn Bình", is_officer=True, unit=unit_a)
    save_self(colleague, assessment_a, "1.1.2", {"numerator": "1", "denominator": "2"})
    c = card(page, "1.1.2")
    c.locator("input[name$='-numerator']").fill("3")
    c.locator("input[name$='-denominator']").fill("7")
    expect(card(page, "1.1.2").locator(".conflict")).to_contain_text("Trần Văn Bình", timeout=10000)
    expect(card(page, "1.1.2").locator("input[name$='-numerator']")).to_have_value("3")
    check_page(page, shots, "02-conflict")
    card(page, "1.1.2").locator("button.primary").click()  # a deliberate save replaces theirs
    expect(card(page, "1.1.2").locator(".self-points")).to_have_text("0,86")
    assert LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "1.1.2")).self_inputs == {
        "numerator": 3,
        "denominator": 7,
    }

    # filters
    page.goto(detail + "?show=unfinished")
    expect(page.locator("article.leaf")).to_have_count(2)  # 1.2 and 2.1
    check_page(page, shots, "03-filter-unfinished")

    # the submit summary: incomplete, then complete
    page.goto(f"{live_server.url}/assessments/{assessment_a.pk}/submit/")
    expect(page.locator("#error-summary-title")).to_contain_text("2 tiêu chí chưa xong")
    expect(page.locator("button[data-action=submit]")).to_be_disabled()
    check_page(page, shots, "04-submit-incomplete")
    save_self(officer_a, assessment_a, "1.2")
    save_self(officer_a, assessment_a, "2.1", evidence_absence_note="Không có hồ sơ trễ hạn")
    page.reload()
    expect(page.locator("#error-summary")).to_have_count(0)
    check_page(page, shots, "05-submit-summary")
    page.click("button[data-action=submit]")
    expect(page.locator("#assessment-state")).to_have_text("Đã gửi")
    page.context.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_appraiser_filters_the_queue_bulk_accepts_and_the_officer_explains(
    size,
    transactional_db,
    browser,
    live_server,
    login,
    screenshot_dir,
    officer_a,
    officer_b,
    appraiser,
    assessment_a,
    assessment_b,
):
    shots = screenshot_dir(f"appraiser-queue-{size}")
    fill(officer_a, assessment_a)
    workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    page = new_page(browser, size)
    login(page, appraiser)
    page.goto(f"{live_server.url}/assessments/rounds/{assessment_a.round_id}/")
    expect(page.locator("#state-counts")).to_contain_text("Đã gửi: 1")
    page.locator("input[name=mine]").check()
    page.locator("#queue-filters button[type=submit]").click()
    expect(page.locator("tr[data-unit]")).to_have_count(1)
    expect(page.locator('tr[data-unit="SNV"]')).to_be_visible()
    check_page(page, shots, "01-queue-mine")
    page.locator('tr[data-unit="SNV"] a').first.click()
    page.click("button[data-action=start_appraisal]")
    page.click("#accept-untouched")
    expect(page.locator(".messages")).to_contain_text("4 tiêu chí")
    check_page(page, shots, "02-accepted")

    # flag one criterion and request explanations; the officer sees the banner and the appraiser's view
    save_app(
        appraiser,
        assessment_a,
        "1.1.2",
        {"numerator": 1, "denominator": 4},
        note="Chỉ 1/4",
        flagged=True,
        flag_request="Gửi báo cáo tổng kết",
    )
    workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment_a.pk)
    officer = new_page(browser, size)
    login(officer, officer_a)
    officer.goto(f"{live_server.url}/assessments/{assessment_a.pk}/")
    banner = officer.locator(".explanation-banner")
    expect(banner).to_contain_text("1.1.2")
    banner.locator("a").first.click()
    flagged = card(officer, "1.1.2")
    expect(flagged.locator(".app-points-for-unit")).to_have_text("0,50")
    expect(flagged).to_contain_text("Gửi báo cáo tổng kết")
    expect(card(officer, "1.1.1").locator("form.leaf-form")).to_have_count(0)  # only flagged ones are editable
    flagged.locator("textarea[name$='-explanation']").fill("Báo cáo tổng kết gửi kèm")
    expect(flagged.locator("[data-save-status]")).to_contain_text("đã lưu lúc", timeout=10000)
    check_page(officer, shots, "03-officer-explains")
    officer.context.close()
    page.context.close()
