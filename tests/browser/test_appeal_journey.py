"""An officer lodges an appeal on a criterion from the browser; an appraiser decides it; both read the register."""

import pytest

from rankings.models import Appeal, AppealState
from tests.lineage.helpers import appealable_round

pytestmark = pytest.mark.browser


def test_lodge_and_decide_an_appeal(
    page, live_server, login, round_2021, framework, department_group, admin_user, appraiser, browser, screenshot_dir
):
    shots = screenshot_dir("appeals")
    world = appealable_round(round_2021, department_group, admin_user)
    login(page, world["officer_b"])
    page.goto(f"{live_server.url}/dashboard/2021/ranking/")
    page.click("#nav-appeals")
    page.click("#lodge-appeal")
    page.check("text=1.2. Sáng kiến CCHC")
    page.fill("#id_reason", "Sáng kiến đã được công nhận, đề nghị chấm đủ 2 điểm.")
    page.screenshot(path=shots / "01-lodge.png", full_page=True)
    page.click("text=Gửi khiếu nại >> nth=-1")
    page.wait_for_selector("#appeal-register [data-state=lodged]")
    assert Appeal.objects.get().unit == world["b"].unit

    staff = browser.new_context(locale="vi-VN").new_page()
    login(staff, appraiser)
    staff.goto(f"{live_server.url}/dashboard/2021/appeals/")
    staff.click(".decide-appeal")
    staff.check("input[name=decision][value=accept]")
    staff.fill("#id_reason", "Quyết định công nhận sáng kiến có trước ngày chấm điểm.")
    staff.click("text=Ghi nhận quyết định")
    staff.wait_for_selector("#appeal-register [data-state=accepted]")
    staff.screenshot(path=shots / "02-decided.png", full_page=True)
    assert Appeal.objects.get().state == AppealState.ACCEPTED

    page.reload()
    assert "Quyết định công nhận sáng kiến" in page.locator("#appeal-register").inner_text()
