"""A leader opens the round's dashboard, reads the charts, opens a unit and downloads the .xlsx and PDF."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rankings import reports
from rankings.models import UnitResult
from tests.factories import UserFactory
from tests.rankings.dashboard.factories import make_run, make_sipas, make_world
from tests.rankings.dashboard.helpers import vn

pytestmark = pytest.mark.browser


def test_leader_reads_dashboard_opens_unit_and_downloads_reports(
    transactional_db, live_server, page, login, screenshot_dir
):
    shots = screenshot_dir("dashboard_journey")
    w = make_world(years=(2020, 2021), departments=6, districts=4)
    for rnd in w["rounds"]:
        run = make_run(round=rnd, seed=rnd.year)
    make_sipas(round=w["rounds"][-1], units=w["units"], unmeasured=("H004",))
    leader = UserFactory(username="lanhdao_test", is_leader=True)

    login(page, leader)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#group-department")
    assert "/dashboard/2021/" in page.url
    # Every chart of every group has drawn marks of non-zero size.
    for group in ("department", "district"):
        for chart in ("ranking", "bands", "heatmap", "losing", "self-vs-appraised", "sipas"):
            marks = page.locator(f'#group-{group} [data-chart="{chart}"] svg').locator("rect.bar, rect.cell")
            assert marks.count() > 0, (group, chart)
        bars = page.locator(f'#group-{group} [data-chart="ranking"] rect.bar')
        assert bars.count() == (6 if group == "department" else 4)
        assert all(bars.nth(i).bounding_box()["width"] > 10 for i in range(bars.count()))
    page.screenshot(path=str(shots / "01-dashboard.png"), full_page=False)
    page.locator('#group-department [data-chart="heatmap"]').scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "02-heatmap.png"))

    first = UnitResult.objects.filter(run=run, group__code="department").select_related("unit").order_by("rank").first()
    assert page.locator(f'tr[data-unit="{first.unit.code}"] td.index').inner_text() == vn(first.index_pct)

    # Unit profile.
    page.click(f'tr[data-unit="{first.unit.code}"] a')
    page.wait_for_selector("#kpi-index")
    assert page.inner_text("#kpi-index") == vn(first.index_pct)
    assert page.locator('[data-chart="history"] circle.point').count() == 2
    assert page.locator('[data-chart="domains"] rect.bar').count() == 8
    page.screenshot(path=str(shots / "03-unit-profile.png"), full_page=True)

    # Downloads.
    page.go_back()
    page.wait_for_selector("#download-xlsx")
    with page.expect_download() as info:
        page.click("#download-xlsx")
    xlsx = info.value
    assert xlsx.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    ws = wb["Sở, ban, ngành"]
    assert ws["B4"].value == first.unit.name and Decimal(str(ws["G4"].value)) == first.index_pct
    # Publication made the report (in a worker in production; here, eagerly, before the click): served from storage.
    reports.report_request(run=run, language="vi")
    with page.expect_download() as info:
        page.click("#download-pdf")
    pdf = info.value
    assert pdf.suggested_filename.endswith(".pdf")
    pdf.save_as(shots / "report.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(pdf.path()).read_bytes())).pages)
    assert first.unit.name in text and vn(first.index_pct) in text
    page.screenshot(path=str(shots / "04-downloads.png"))
