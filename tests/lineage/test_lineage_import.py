"""Lineage spreadsheets: every row or none, each problem named by row and column in Vietnamese."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from assessments.models import UnitLineage
from assessments.services.lineage import LineageImportError, lineage_import
from tests.factories import UnitFactory

HEADER = ["Mã đơn vị kế thừa", "Mã đơn vị tiền thân", "Hình thức", "Từ ngày", "Trọng số", "Ghi chú"]


def xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def units(department_group):
    return {c: UnitFactory(code=c, name=f"Sở {c}", group=department_group) for c in ("STC", "SKHDT", "STC25", "SGTVT")}


def test_a_valid_file_imports_every_link(units):
    content = xlsx(
        [
            HEADER,
            ["STC25", "STC", "Hợp nhất", "01/03/2025", "0,6", ""],
            ["stc25", "SKHDT", "hợp nhất", date(2025, 3, 1), 0.4, "NĐ 2025"],
        ]
    )
    lineage_import(name="lineage.xlsx", content=content)
    links = {(x.predecessor.code, x.kind, x.effective_date, x.weight) for x in UnitLineage.objects.all()}
    assert links == {
        ("STC", "merger", date(2025, 3, 1), Decimal("0.6")),
        ("SKHDT", "merger", date(2025, 3, 1), Decimal("0.4")),
    }


def test_one_bad_row_imports_nothing_and_names_row_and_column_in_vietnamese(units):
    content = xlsx(
        [HEADER, ["STC25", "STC", "Hợp nhất", "01/03/2025", "", ""], ["STC25", "XYZ", "gộp", "31/02/2025", "2", ""]]
    )
    with translation.override("vi"), pytest.raises(LineageImportError) as caught:
        lineage_import(name="lineage.xlsx", content=content)
    messages = caught.value.messages
    assert "Dòng 3, cột B (Mã đơn vị tiền thân): không có đơn vị nào có mã này (giá trị: “XYZ”)." in messages
    assert any(m.startswith("Dòng 3, cột C (Hình thức)") for m in messages)
    assert any(m.startswith("Dòng 3, cột D (Từ ngày)") for m in messages)
    assert any(m.startswith("Dòng 3, cột E (Trọng số)") for m in messages)
    assert UnitLineage.objects.count() == 0


def test_weights_must_cover_every_predecessor_and_add_up_to_one(units):
    content = xlsx(
        [
            HEADER,
            ["STC25", "STC", "Hợp nhất", "01/03/2025", "0,5", ""],
            ["STC25", "SKHDT", "Hợp nhất", "01/03/2025", "0,4", ""],
        ]
    )
    with translation.override("vi"), pytest.raises(LineageImportError) as caught:
        lineage_import(name="lineage.xlsx", content=content)
    assert caught.value.messages == ["Dòng 2, 3 (STC25): tổng trọng số là 0.9, không phải 1."]
    assert UnitLineage.objects.count() == 0


def test_a_cycle_is_refused_and_nothing_is_kept(units):
    content = "\n".join([",".join(HEADER), "STC25,STC,đổi tên,01/03/2025,,", "STC,STC25,đổi tên,01/03/2025,,"])
    with pytest.raises(LineageImportError):
        lineage_import(name="lineage.csv", content=content.encode())
    assert UnitLineage.objects.count() == 0


def test_a_missing_column_is_named(units):
    with translation.override("vi"), pytest.raises(LineageImportError) as caught:
        lineage_import(name="l.csv", content="Mã đơn vị kế thừa,Hình thức,Từ ngày\n".encode())
    assert caught.value.messages == ["Dòng 1: thiếu cột “Mã đơn vị tiền thân”."]


def test_a_workbook_that_expands_too_far_is_refused_before_parsing(units, monkeypatch):
    from assessments.services import lineage

    monkeypatch.setattr(lineage, "MAX_UNZIPPED_BYTES", 100)
    with pytest.raises(LineageImportError):
        lineage_import(name="l.xlsx", content=xlsx([HEADER]))


def test_admin_imports_a_file_and_shows_errors_otherwise(units, admin_user, client):
    client.force_login(admin_user)
    url = reverse("admin:assessments_unitlineage_import")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("l.xlsx", xlsx([HEADER, ["STC25", "NONE", "Hợp nhất", "01/03/2025"]]))
    response = client.post(url, {"file": bad})
    assert response.status_code == 422 and "NONE" in response.content.decode()
    good = SimpleUploadedFile("l.xlsx", xlsx([HEADER, ["STC25", "STC", "Hợp nhất", "01/03/2025"]]))
    assert client.post(url, {"file": good}).status_code == 302
    assert UnitLineage.objects.get().predecessor.code == "STC"


def test_non_staff_cannot_reach_the_import(units, leader, client):
    client.force_login(leader)
    good = SimpleUploadedFile("l.xlsx", xlsx([HEADER, ["STC25", "STC", "Hợp nhất", "01/03/2025"]]))
    response = client.post(reverse("admin:assessments_unitlineage_import"), {"file": good})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert UnitLineage.objects.count() == 0


def test_admin_form_refuses_a_link_that_closes_a_cycle(units, admin_user, client):
    UnitLineage.objects.create(
        successor=units["STC25"], predecessor=units["STC"], kind="rename", effective_date=date(2025, 3, 1)
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:assessments_unitlineage_add"),
        {
            "successor": units["STC"].pk,
            "predecessor": units["STC25"].pk,
            "kind": "rename",
            "effective_date": "2025-03-01",
            "weight": "",
            "note": "",
        },
    )
    assert response.status_code == 200  # the form again, with the error; not a 500
    assert UnitLineage.objects.count() == 1
