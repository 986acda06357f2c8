"""Issue 13's pages for the leader and the administrator at a laptop (1366×768) and a phone (390×844).

The leader reads the dashboard's headline, a unit's profile, the trends and the ranking, and gets the
official PDF from its link; the administrator confirms a finalisation on its consequences page, reads a
survey replacement's per-unit preview, confirms it, and restores the superseded import. Every page passes
axe-core with no serious or critical violation, has no sideways scrolling, and is kept as a screenshot.
"""

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from assessments.models import AssessmentState
from rankings import reports
from rankings.models import UnitResult
from surveys.models import SurveyImport
from surveys.services.imports import survey_import_confirm, survey_import_create, survey_import_preview
from tests.assessments.factories import appraised
from tests.factories import UserFactory
from tests.rankings.dashboard.factories import make_run, make_sipas, make_world
from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
AXE = Axe()


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
    if overflow > 0:
        print(
            "WIDE",
            page.evaluate(
                """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.table-scroll, .chart-box')).slice(0, 4).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""
            ),
        )
    assert overflow <= 0, f"{name}: {overflow}px of sideways scrolling"


@pytest.mark.parametrize("size", VIEWPORTS)
def test_leader_reads_headline_profile_trends_and_gets_the_pdf(
    size, transactional_db, browser, live_server, login, screenshot_dir
):
    shots = screenshot_dir(f"leader-{size}")
    w = make_world(years=(2020, 2021), departments=6, districts=4)
    for rnd in w["rounds"]:
        run = make_run(round=rnd, seed=rnd.year)
    make_sipas(round=w["rounds"][-1], units=w["units"], unmeasured=("H004",))
    leader = UserFactory(username="lanhdao_test", is_leader=True)
    page = browser.new_context(locale="vi-VN", viewport=VIEWPORTS[size], accept_downloads=True).new_page()
    login(page, leader)

    page.goto(f"{live_server.url}/dashboard/2021/")
    page.wait_for_selector("#headline")
    assert "Tăng hạng so với 2020" in page.inner_text("#movers-up")
    assert page.locator("#headline .figure").count() == 2
    check_page(page, shots, "01-dashboard")

    first = UnitResult.objects.filter(run=run, group__code="department").select_related("unit").order_by("rank").first()
    page.goto(f"{live_server.url}/dashboard/2021/units/{first.unit_id}/")
    page.wait_for_selector("#kpi-index")
    check_page(page, shots, "02-unit-profile")

    page.goto(f"{live_server.url}/dashboard/trends/")
    check_page(page, shots, "03-trends")

    page.goto(f"{live_server.url}/dashboard/2021/ranking/")
    check_page(page, shots, "04-ranking")

    page.goto(f"{live_server.url}/dashboard/2021/")
    # Publication made the report (in a worker in production; here, eagerly, before the click): served from storage.
    reports.report_request(run=run, language="vi")
    with page.expect_download() as info:
        page.click("#download-pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(info.value.path()).read_bytes())).pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and first.unit.name in text

    page.click("#api-docs-link")
    page.wait_for_selector(".api-endpoint")
    check_page(page, shots, "05-api-docs")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_admin_confirms_finalisation_and_replaces_then_restores_a_survey(
    size,
    browser,
    live_server,
    login,
    round_2021,
    framework,
    assessment_a,
    assessment_b,
    officer_a,
    appraiser,
    admin_user,
    screenshot_dir,
):
    shots = screenshot_dir(f"admin-{size}")
    appraised(officer_a, appraiser, assessment_a)
    sipas_question(round=round_2021, code="S1", element=1, order=1)
    sipas_question(round=round_2021, code="S2", element=2, order=2, required=True)
    header = header_for(["S1", "S2"])

    def upload(rows, name):
        imp = survey_import_create(
            round=round_2021,
            survey="sipas",
            fileobj=io.BytesIO(xlsx_bytes(header, rows)),
            name=name,
            user=admin_user,
            enqueue=False,
        )
        return survey_import_preview(import_id=imp.pk)

    both = [form_row(u, f"{u}{i}", [5, 4]) for u in ("SNV", "STP") for i in range(3)]
    first = upload(both, "sipas-day-du.xlsx")
    survey_import_confirm(import_id=first.pk, user=admin_user)
    second = upload([form_row("SNV", "X1", [1, 2])], "sipas-6-dong.xlsx")

    page = browser.new_context(locale="vi-VN", viewport=VIEWPORTS[size]).new_page()
    login(page, admin_user)

    # Finalise one assessment: the consequences first, then the confirmation.
    page.goto(f"{live_server.url}/assessments/{assessment_a.pk}/")
    page.click("a[data-action=finalise]")
    page.wait_for_selector("#consequences")
    assert "Chỉ quản trị viên mới hoàn tác được" in page.inner_text("#consequences")
    check_page(page, shots, "01-finalise-consequences")
    page.check("#id_confirm")
    page.click("#confirm-submit")
    page.wait_for_selector("#assessment-state")
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.FINALISED

    # The replacement's preview names the unit that loses its measurement; confirming needs the tick.
    page.goto(f"{live_server.url}/surveys/imports/{second.pk}/")
    page.wait_for_selector("#replacement-units")
    assert "Sở Tư pháp" in page.inner_text("#replacement-unmeasured")
    check_page(page, shots, "02-replacement-preview")
    page.check("#id_confirm_replace")
    page.click("#confirm-button")
    page.wait_for_load_state()
    first.refresh_from_db()
    assert first.status == "superseded"

    # Restore the superseded import: a new import of the same file, with its own preview of the change back.
    page.goto(f"{live_server.url}/surveys/imports/{first.pk}/")
    check_page(page, shots, "03-superseded-import")
    page.click("#restore-button")
    page.wait_for_selector("#restored-from")
    restored = SurveyImport.objects.get(restored_from=first)
    assert restored.sha256 == first.sha256
    page.wait_for_selector("#replacement-units")
    check_page(page, shots, "04-restored-import")
