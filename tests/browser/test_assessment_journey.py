"""The self-assessment and appraisal journey in a real browser (MINI_FRAMEWORK: 7 self points).

Officer fills every self leaf with evidence and submits → appraiser adjusts two leaves with notes and
flags one → officer explains → appraiser appraises again and completes → admin finalises.
"""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from assessments.models import Assessment, AssessmentState
from assessments.selectors import EVENT_LABELS
from tests.assessments.factories import PDF_BYTES

pytestmark = pytest.mark.browser
JOURNEY = "assessment_journey"
S = AssessmentState


def vi(text) -> str:
    with translation.override("vi"):
        return str(text)


def state_label(state) -> str:
    return vi(state.label)


def sign_in(login, page, user):
    page.context.clear_cookies()  # the next persona starts from the login form
    login(page, user)


def leaf(page, code):
    """The criterion's card. The page renders only the domain of the first unfinished criterion; this journey
    is about the workflow, not the lazy domains (tests/browser/test_officer_form_journey.py), so a card not
    on the page is read from the page with every domain open (``?open=all``)."""
    card = page.locator(f'article.leaf[data-code="{code}"]')
    if card.count() == 0:
        page.goto(page.url.split("#")[0].split("?")[0] + "?open=all")
    return card


def save_self(page, code):
    leaf(page, code).locator(".self-side form.leaf-form button[type=submit]").click()


def test_officer_appraiser_admin_journey(
    transactional_db, live_server, page, login, screenshot, officer_a, appraiser, admin_user, assessment_a, tmp_path
):
    # Every htmx swap below must stay inside the CSP (no inline style or script, not even an empty one).
    csp_violations = []
    page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    # --- the officer fills the assessment -----------------------------------------------------------
    sign_in(login, page, officer_a)
    page.click("#home-self-assessment")
    expect(page.locator("h1")).to_contain_text("Sở Nội vụ")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.DRAFT))
    expect(leaf(page, "2.2")).to_contain_text("Chấm qua điều tra XHH")  # survey leaf read-only
    screenshot(page, JOURNEY, "01-officer-empty")

    leaf(page, "1.1.1").locator("select[name$='-level']").select_option(label="Ban hành đúng hạn (2,00)")
    save_self(page, "1.1.1")
    expect(leaf(page, "1.1.1").locator(".self-points")).to_have_text("2,00")
    expect(page.locator("#self-total")).to_have_text("2,00 / 7,00")

    leaf(page, "1.1.2").locator("input[name$='-numerator']").fill("4")
    leaf(page, "1.1.2").locator("input[name$='-denominator']").fill("5")
    save_self(page, "1.1.2")
    expect(leaf(page, "1.1.2").locator(".self-points")).to_have_text("1,60")  # 4/5 × 2

    leaf(page, "1.2").locator("input[name$='-points']").fill("1,3")  # not a multiple of 0,25
    save_self(page, "1.2")
    expect(leaf(page, "1.2").locator(".errorlist")).to_contain_text("bội số của 0,25")
    leaf(page, "1.2").locator("input[name$='-points']").fill("1,75")
    save_self(page, "1.2")
    expect(leaf(page, "1.2").locator(".self-points")).to_have_text("1,75")

    leaf(page, "2.1").locator("input[name$='-count']").fill("1")
    leaf(page, "2.1").locator("textarea[name$='-note']").fill("01 hồ sơ trễ hạn trong quý III")
    save_self(page, "2.1")
    expect(leaf(page, "2.1").locator(".self-points")).to_have_text("0,75")  # 1 − 1 × 0,25
    evidence = tmp_path / "bao-cao-ho-so-tre-han.pdf"
    evidence.write_bytes(PDF_BYTES)
    leaf(page, "2.1").locator("input[type=file]").set_input_files(str(evidence))
    leaf(page, "2.1").locator(".evidence-upload button").click()
    expect(leaf(page, "2.1").locator(".evidence-list")).to_contain_text("bao-cao-ho-so-tre-han.pdf")
    expect(page.locator("#self-total")).to_have_text("6,10 / 7,00")  # 2 + 1,60 + 1,75 + 0,75
    expect(page.locator("#scored-count")).to_contain_text("4/4")
    assert csp_violations == []
    screenshot(page, JOURNEY, "02-officer-filled")

    page.click("a[data-action=submit]")  # the summary first, then the submission
    expect(page.locator("#summary-total")).to_have_text("6,10 / 7,00")
    page.click("button[data-action=submit]")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.SUBMITTED))
    expect(page.locator(".messages")).to_contain_text("Gửi bản tự đánh giá")

    # --- the appraiser adjusts two leaves and flags one ----------------------------------------------
    sign_in(login, page, appraiser)
    page.click("#home-appraisal")
    row = page.locator('tr[data-unit="SNV"]')
    expect(row).to_contain_text(state_label(S.SUBMITTED))
    expect(row).to_contain_text("6,10")
    screenshot(page, JOURNEY, "03-appraiser-queue")
    row.locator("a").first.click()
    page.click("button[data-action=start_appraisal]")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.IN_APPRAISAL))

    app = leaf(page, "1.1.1").locator(".app-side")
    app.locator("select[name$='-level']").select_option(label="Ban hành muộn (1,00)")
    app.locator("button[type=submit]").click()
    expect(leaf(page, "1.1.1").locator(".app-side .errorlist")).to_contain_text("ghi chú")  # note required
    app = leaf(page, "1.1.1").locator(".app-side")
    app.locator("select[name$='-level']").select_option(label="Ban hành muộn (1,00)")
    app.locator("textarea[name$='-app_note']").fill("Kế hoạch ban hành ngày 20/01, muộn so với quy định")
    app.locator("button[type=submit]").click()
    expect(leaf(page, "1.1.1").locator(".app-points")).to_have_text("1,00")

    app = leaf(page, "2.1").locator(".app-side")
    app.locator("input[name$='-count']").fill("2")
    app.locator("textarea[name$='-app_note']").fill("Hệ thống một cửa ghi nhận 02 hồ sơ trễ hạn")
    app.locator("button[type=submit]").click()
    expect(leaf(page, "2.1").locator(".app-points")).to_have_text("0,50")

    app = leaf(page, "1.1.2").locator(".app-side")
    app.locator("input[name$='-flagged']").check()
    app.locator("textarea[name$='-flag_request']").fill("Đề nghị gửi báo cáo tổng kết thực hiện kế hoạch")
    app.locator("button[type=submit]").click()
    expect(leaf(page, "1.1.2")).to_have_class("leaf flagged")
    expect(page.locator("#app-total")).to_have_text("4,85 / 7,00")  # 1 + 1,60 + 1,75 + 0,50
    screenshot(page, JOURNEY, "04-appraiser-adjusted")
    page.click("button[data-action=request_explanations]")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.EXPLANATION_REQUESTED))

    # --- the officer explains the flagged leaf ---------------------------------------------------------
    sign_in(login, page, officer_a)
    page.click("#home-self-assessment")
    expect(page.locator(".notice")).to_contain_text("chỉ được sửa các tiêu chí được đánh dấu")
    expect(leaf(page, "1.1.1").locator("select")).to_have_count(0)  # not flagged: read-only
    flagged = leaf(page, "1.1.2")
    expect(flagged.locator(".flag-request")).to_contain_text("báo cáo tổng kết")
    flagged.locator("input[name$='-numerator']").fill("5")
    flagged.locator("textarea[name$='-explanation']").fill("Đơn vị đã hoàn thành 5/5 nhiệm vụ, kèm báo cáo tổng kết")
    save_self(page, "1.1.2")
    expect(leaf(page, "1.1.2").locator(".self-points")).to_have_text("2,00")
    extra = tmp_path / "bao-cao-tong-ket.pdf"
    extra.write_bytes(PDF_BYTES + b"% tong ket\n")
    leaf(page, "1.1.2").locator("input[type=file]").set_input_files(str(extra))
    leaf(page, "1.1.2").locator(".evidence-upload button").click()
    expect(leaf(page, "1.1.2").locator(".evidence-list")).to_contain_text("bao-cao-tong-ket.pdf")
    screenshot(page, JOURNEY, "05-officer-explains")
    page.click("button[data-action=respond]")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.EXPLAINED))

    # --- the appraiser appraises again and completes -------------------------------------------------
    sign_in(login, page, appraiser)
    page.goto(f"{live_server.url}/assessments/{assessment_a.pk}/")
    expect(leaf(page, "1.1.2").locator(".explanation")).to_contain_text("5/5 nhiệm vụ")
    page.click("button[data-action=resume_appraisal]")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.IN_APPRAISAL))
    app = leaf(page, "1.1.2").locator(".app-side")
    app.locator("input[name$='-numerator']").fill("5")
    app.locator("textarea[name$='-app_note']").fill("Chấp nhận giải trình")
    app.locator("button[type=submit]").click()
    expect(leaf(page, "1.1.2").locator(".app-points")).to_have_text("2,00")
    expect(page.locator("#app-total")).to_have_text("5,25 / 7,00")  # 1 + 2 + 1,75 + 0,50
    page.click("button[data-action=complete]")
    expect(page.locator("#assessment-state")).to_have_text(state_label(S.APPRAISED))
    screenshot(page, JOURNEY, "06-appraised")

    # --- the admin finalises ---------------------------------------------------------------------------
    sign_in(login, page, admin_user)
    page.click("#home-finalise")
    expect(page.locator('tr[data-unit="SNV"]')).to_contain_text(state_label(S.APPRAISED))
    page.click("#finalise-all")
    expect(page.locator("#consequences")).to_contain_text("Chỉ quản trị viên mới hoàn tác được")
    page.check("#id_confirm")
    page.click("#confirm-submit")
    expect(page.locator(".messages")).to_contain_text("Đã chốt kết quả 1 bản đánh giá")
    expect(page.locator('tr[data-unit="SNV"]')).to_contain_text(state_label(S.FINALISED))
    expect(page.locator('tr[data-unit="SNV"]')).to_contain_text("5,25")
    screenshot(page, JOURNEY, "07-admin-finalised")
    page.goto(f"{live_server.url}/assessments/{assessment_a.pk}/timeline/")
    for action in (
        "submit",
        "start_appraisal",
        "request_explanations",
        "respond",
        "resume_appraisal",
        "complete",
        "finalise",
    ):
        expect(page.locator("table.timeline")).to_contain_text(vi(EVENT_LABELS[action]))
    screenshot(page, JOURNEY, "08-timeline")
    assert Assessment.objects.get(pk=assessment_a.pk).state == AssessmentState.FINALISED
