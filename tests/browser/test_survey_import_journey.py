"""An admin downloads the survey template, fills it, uploads it, reviews the preview, accepts the invalid
forms, confirms, and reads the unit's survey points; a leader then reads the results."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.surveys.factories import form_row, sipas_question


@pytest.mark.browser
def test_admin_imports_a_sipas_file_through_the_browser(
    transactional_db,
    live_server,
    page,
    login,
    screenshot_dir,
    round_2021,
    framework,
    assessment_a,
    assessment_b,
    admin_user,
    leader,
):
    for i, (code, element) in enumerate([("S11", 1), ("S21", 2), ("S31", 3)]):
        sipas_question(round=round_2021, code=code, element=element, order=i)
    shots = screenshot_dir("survey_import")
    login(page, admin_user)
    page.goto(f"{live_server.url}/surveys/")
    page.screenshot(path=str(shots / "01-imports.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#upload-sipas a[href$='template.xlsx']")
    download = download_info.value
    assert download.suggested_filename == "mau_sipas_2021.xlsx"
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    ws = wb["Phieu"]
    ws.append(form_row("SNV", "P1", [5, 4, 4]))
    ws.append(form_row("SNV", "P2", [4, 5, 2]))
    ws.append(form_row("SNV", "P3", [9, 5, 5]))  # 9 is not an option: an invalid form
    buf = io.BytesIO()
    wb.save(buf)

    page.set_input_files(
        "#upload-sipas input[type=file]",
        files=[{"name": "sipas_2021.xlsx", "mimeType": "application/octet-stream", "buffer": buf.getvalue()}],
    )
    page.click("#upload-sipas button[type=submit]")
    page.wait_for_selector("#problems")
    assert page.locator("#problems tbody tr").count() == 1
    assert "9" in page.locator("#problems tbody tr").inner_text()
    assert page.locator("#confirm-button").is_disabled()  # until the invalid form is accepted
    page.screenshot(path=str(shots / "02-preview.png"), full_page=True)

    page.check("input[name=accept_invalid]")
    assert page.locator("#confirm-button").is_enabled()
    page.click("#confirm-button")
    page.wait_for_selector("#survey-results")
    # SNV valid forms P1, P2: element 1 → 2/2, element 2 → 2/2, element 3 → 1/2; SIPAS = (100+100+50)/3 = 83.33 %
    row = page.locator("#unit-SNV").inner_text()
    assert "83,33" in row
    assert "chưa đo được" in page.locator("#unit-STP").inner_text()
    page.screenshot(path=str(shots / "03-results.png"), full_page=True)

    page.click("#unit-SNV a")
    page.wait_for_selector("#sipas-elements")
    assert "1,67" in page.locator("#leaf-points").inner_text()  # 83.333…% × 2 = 1.666… → 1.67
    page.screenshot(path=str(shots / "04-unit.png"), full_page=True)

    page.context.clear_cookies()
    login(page, leader)
    page.goto(f"{live_server.url}/surveys/2021/results/")
    assert "83,33" in page.locator("#unit-SNV").inner_text()
    page.screenshot(path=str(shots / "05-leader-results.png"), full_page=True)
