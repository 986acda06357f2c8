"""Survey files as clerks receive them: Unicode forms, decimal text, lost zeros, titles, extra columns,
totals rows, per-unit numbering, other sheets and other formats. Each is written inside the test and must
give the clean file's answers (hence its points), or be refused naming the row, column and value."""

import codecs
import unicodedata
from decimal import Decimal

import pytest

from surveys.models import SurveyResponse
from surveys.selectors import survey_points_for_round
from surveys.services.imports import survey_import_confirm
from tests.factories import UnitFactory, add_to_round
from tests.surveys import hostile
from tests.surveys.factories import (
    csv_bytes,
    form_row,
    header_for,
    ods_bytes,
    sheet_rows,
    sipas_question,
    workbook_bytes,
    xls_bytes,
    xlsx_bytes,
)

CODES = ["S1", "S2"]
ROWS = [form_row("SNV", "F1", [5, 4]), form_row("SNV", "F2", [1, 2]), form_row("STP", "F3", [4, 4])]


@pytest.fixture
def sipas(round_2021, framework, assessment_a, assessment_b):
    sipas_question(round=round_2021, code="S1", element=1, order=1)
    sipas_question(round=round_2021, code="S2", element=2, order=2, required=True)
    return round_2021


def answers(imp) -> dict:
    """What was staged, per (unit code, form id): the thing scoring reads."""
    return {
        (r.unit.code, r.form_id): (r.answers, r.valid)
        for r in SurveyResponse.objects.filter(survey_import=imp).select_related("unit")
    }


@pytest.fixture
def clean(sipas, upload):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), ROWS), name="clean.xlsx")
    assert (imp.status, imp.rows_valid, imp.rows_invalid) == ("preview", 3, 0)
    return answers(imp)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_decomposed_unicode_headers_and_odd_case_match_the_template(sipas, upload, clean, round_2021):
    sipas_question(round=round_2021, code="HÀI_LÒNG", element=3, order=3)
    header = [
        " MA_DON_VI",
        nfd("Ma_Phieu "),
        "gioi_tinh",
        "nhom_tuoi",
        "trinh_do",
        "nghe_nghiep",
        "hinh_thuc",
        "s1",
        "S2",
        nfd("hài_lòng"),
    ]
    rows = [[*r, 5] for r in ROWS]
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header, rows))
    assert (imp.status, imp.rows_valid) == ("preview", 3), imp.error or imp.problems
    staged = answers(imp)
    assert {k: {q: v for q, v in a.items() if q != "HÀI_LÒNG"} for k, (a, _v) in staged.items()} == {
        k: a for k, (a, _v) in clean.items()
    }
    assert all(a["HÀI_LÒNG"] == "5" for a, _v in staged.values())


def test_decomposed_unit_code_and_text_answers_are_normalised(sipas, upload, round_2021, framework):
    unit = UnitFactory(code="SỞ-VH", name="Sở Văn hoá")
    add_to_round(round=round_2021, unit=unit)
    imp = upload(
        round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row(nfd("sở-vh "), "F1", [5, 4])])
    )
    assert imp.rows_valid == 1 and SurveyResponse.objects.get(survey_import=imp).unit_id == unit.id


@pytest.mark.parametrize("five", ["5", "5.0", "5,0", " 5,00 ", 5.0, 5])
def test_decimal_answers_written_as_text_are_the_same_answer(sipas, upload, five):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row("SNV", "F1", [five, 4])]))
    assert imp.rows_valid == 1
    assert SurveyResponse.objects.get(survey_import=imp).answers == {"S1": "5", "S2": "4"}


@pytest.mark.parametrize("bad", ["5.5", "5,1", "6", "năm"])
def test_not_an_option_is_still_invalid_naming_row_column_and_value(sipas, upload, bad):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row("SNV", "F1", [bad, 4])]))
    assert imp.rows_invalid == 1
    assert (imp.problems[0]["row"], imp.problems[0]["column"], imp.problems[0]["value"]) == (2, "H", bad)


def test_unit_code_whose_leading_zeros_were_dropped_is_matched_when_one_unit_fits(sipas, upload, round_2021):
    unit = UnitFactory(code="00123", name="Xã Một")
    add_to_round(round=round_2021, unit=unit)
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row(123, "F1", [5, 4])]))
    assert imp.rows_valid == 1 and SurveyResponse.objects.get(survey_import=imp).unit_id == unit.id
    assert imp.summary["unpadded_unit_rows"] == 1


def test_numeric_unit_code_matching_two_units_is_refused_naming_the_cause(sipas, upload, round_2021):
    for code in ("0123", "00123"):
        add_to_round(round=round_2021, unit=UnitFactory(code=code, name=f"Xã {code}"))
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row(123, "F1", [5, 4])]))
    assert imp.rows_invalid == 1
    problem = imp.problems[0]
    assert (problem["row"], problem["column"], problem["value"]) == (2, "A", "123")
    assert "leading zeros" in problem["reason"] or "số 0" in problem["reason"]


def test_unknown_numeric_unit_code_names_lost_zeros_as_the_likely_cause(sipas, upload):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row(77, "F1", [5, 4])]))
    assert "leading zeros" in imp.problems[0]["reason"] or "số 0" in imp.problems[0]["reason"]
    text = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [form_row("XYZ", "F1", [5, 4])]))
    assert "leading zeros" not in text.problems[0]["reason"] and "số 0" not in text.problems[0]["reason"]


def test_descriptive_columns_are_ignored_with_a_notice(sipas, upload, clean):
    header = ["ma_don_vi", "ten_don_vi", "ma_phieu", "S1", "Ghi chú", "S2"]
    rows = [[r[0], "Sở", r[1], r[7], "ghi chú", r[8]] for r in ROWS]
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header, rows))
    assert imp.status == "preview" and imp.rows_valid == 3
    assert {k: a["S1"] for k, (a, _v) in answers(imp).items()} == {k: a["S1"] for k, (a, _v) in clean.items()}
    assert any("ten_don_vi" in c for c in imp.summary["ignored_columns"])
    assert any("Ghi chú" in c for c in imp.summary["ignored_columns"])


def test_title_rows_and_blank_rows_above_the_header_are_skipped_and_rows_keep_their_numbers(sipas, upload, clean):
    rows = [["BÁO CÁO KẾT QUẢ KHẢO SÁT SIPAS 2021"], [None], header_for(CODES), *ROWS, form_row("SNV", "F9", [9, 4])]
    imp = upload(round=sipas, survey="sipas", content=workbook_bytes({"Phieu": rows}))
    assert imp.status == "preview", imp.error
    assert imp.summary["header_row"] == 3
    assert (imp.problems[0]["row"], imp.problems[0]["column"], imp.problems[0]["value"]) == (7, "H", "9")
    staged = answers(imp)
    del staged[("SNV", "F9")]
    assert staged == clean


def test_an_empty_first_row_is_not_an_empty_sheet(sipas, upload, clean):
    imp = upload(round=sipas, survey="sipas", content=workbook_bytes({"Phieu": [[None], header_for(CODES), *ROWS]}))
    assert answers(imp) == clean


def test_data_on_the_second_sheet_is_found(sipas, upload, clean):
    content = workbook_bytes(
        {"Huong dan": [["Hướng dẫn điền phiếu"], ["..."]], "Du lieu": sheet_rows(header_for(CODES), ROWS)}
    )
    imp = upload(round=sipas, survey="sipas", content=content)
    assert imp.summary["sheet"] == "Du lieu" and imp.summary["sheets"] == ["Huong dan", "Du lieu"]
    assert answers(imp) == clean


def test_formula_on_the_second_sheet_is_found_on_that_sheet(sipas, upload):
    content = workbook_bytes(
        {"Bia": [["Bìa"]], "Du lieu": sheet_rows(header_for(CODES), [form_row("SNV", "F1", ["=2+3", 4])])}
    )
    imp = upload(round=sipas, survey="sipas", content=content)
    assert imp.rows_invalid == 1 and imp.problems[0]["column"] == "H"


def test_totals_rows_are_skipped_with_a_notice(sipas, upload, clean):
    rows = [
        *ROWS,
        ["Tổng cộng", None, None, None, None, None, None, 10, 10],
        [nfd("CỘNG"), "", "", "", "", "", "", 3, 3],
    ]
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows))
    assert (imp.rows_total, imp.rows_invalid) == (3, 0)
    assert imp.summary["totals_rows"] == [5, 6]
    assert answers(imp) == clean


def test_a_form_of_an_unknown_unit_whose_name_looks_like_a_total_is_reported_not_skipped(sipas, upload):
    rows = [*ROWS, form_row("Công an tỉnh", "F7", [5, 4]), form_row("Tổng", "F8", [5, 4])]
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows))
    assert (imp.rows_total, imp.rows_invalid) == (5, 2) and imp.summary["totals_rows"] == []
    assert [(p["row"], p["column"]) for p in imp.problems] == [(5, "A"), (6, "A")]


def test_form_ids_numbered_within_each_unit_are_not_duplicates_but_real_duplicates_are(sipas, upload):
    rows = [
        form_row("SNV", 1, [5, 4]),
        form_row("SNV", 2, [5, 4]),
        form_row("STP", 1, [5, 4]),
        form_row("STP", 2, [5, 4]),
    ]
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows))
    assert (imp.rows_valid, imp.rows_invalid) == (4, 0)
    dup = upload(
        round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [*rows, form_row("stp ", 2, [1, 1])])
    )
    assert dup.rows_invalid == 1
    assert (dup.problems[0]["row"], dup.problems[0]["column"], dup.problems[0]["value"]) == (6, "B", "2")
    assert "5" in dup.problems[0]["reason"]


def test_formula_in_the_unit_code_cell_is_reported_on_the_unit_code_not_as_an_answer(sipas, upload):
    content = hostile.with_forged_formula_value(CODES, [form_row('=CONCAT("S","NV")', "F1", [5, 4])], forged="SNV")
    imp = upload(round=sipas, survey="sipas", content=content)
    assert imp.rows_invalid == 1
    problem = imp.problems[0]
    assert (problem["row"], problem["column"]) == (2, "A")
    assert "unit" in problem["reason"].lower() or "đơn vị" in problem["reason"].lower()
    assert "answer" not in problem["reason"].lower() and "câu trả lời" not in problem["reason"].lower()


def windows_1258(text: str) -> bytes:
    """How Vietnamese Windows writes text: a letter it has precomposed (â, ơ, đ), then a combining tone mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            if marks and len(marks) == 2:
                base, marks = unicodedata.normalize("NFC", base + marks[0]), marks[1:]
            out += base.encode("cp1258") + "".join(marks).encode("cp1258")
    return out


def _csv(encoding: str, delimiter: str) -> bytes:
    text = csv_bytes(header_for(CODES), ROWS, delimiter=delimiter).decode("utf-8")
    if encoding == "cp1258":
        return windows_1258(text)
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", ","), ("utf-16-le", ";"), ("cp1258", ";"), ("cp1258", ",")],
)
def test_csv_in_every_encoding_and_separator_gives_the_clean_answers(sipas, upload, clean, encoding, delimiter):
    imp = upload(round=sipas, survey="sipas", content=_csv(encoding, delimiter), name="phieu.csv")
    assert imp.status == "preview", imp.error
    assert answers(imp) == clean
    attributes = SurveyResponse.objects.filter(survey_import=imp).values_list("attributes", flat=True)
    assert {a["trinh_do"] for a in attributes} == {"Đại học"}  # Windows-1258 decomposes it; NFC again


def test_old_xls_and_ods_files_give_the_clean_answers(sipas, upload, clean):
    rows = [["Kết quả khảo sát"], header_for(CODES), *ROWS]
    xls = upload(round=sipas, survey="sipas", content=xls_bytes(rows), name="phieu.xls")
    assert xls.status == "preview", xls.error
    assert answers(xls) == clean
    ods = upload(round=sipas, survey="sipas", content=ods_bytes(rows), name="phieu.ods")
    assert ods.status == "preview", ods.error
    assert answers(ods) == clean


def test_a_messy_file_scores_exactly_like_the_clean_one(sipas, upload, admin_user):
    clean = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), ROWS), name="clean.xlsx")
    survey_import_confirm(import_id=clean.id, user=admin_user)
    clean_points = survey_points_for_round(round=sipas).leaf_points
    messy_rows = [[r[0], "Tên", r[1], *[str(v).replace(".", ",") + ",0" for v in r[7:]]] for r in ROWS]
    content = xls_bytes(
        [["Tiêu đề"], ["MA_DON_VI", "ten_don_vi", nfd("Ma_Phieu"), "s1", "s2"], *messy_rows, ["Tổng", None, None, 9, 9]]
    )
    messy = upload(round=sipas, survey="sipas", content=content, name="messy.xls")
    assert (messy.rows_valid, messy.rows_invalid) == (3, 0), messy.problems
    survey_import_confirm(import_id=messy.id, user=admin_user)
    assert survey_points_for_round(round=sipas).leaf_points == clean_points
    assert set(clean_points.values()) != {None} and all(
        isinstance(v, Decimal) for v in clean_points.values() if v is not None
    )


def test_ods_with_formulas_is_refused_in_vietnamese_terms(sipas, upload):
    from surveys.services.imports import ImportRefused

    content = ods_bytes([header_for(CODES), form_row("SNV", "F1", [5, 4])])
    # odfpy writes what it is given: add a formula to the first answer cell of the content part.
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "content.xml":
                data = data.replace(b'office:value="5"', b'office:value="5" table:formula="of:=2+3"', 1)
            dst.writestr(item, data)
    with pytest.raises(ImportRefused, match="formula|công thức"):
        upload(round=sipas, survey="sipas", content=out.getvalue(), name="phieu.ods")


def test_admin_reads_another_sheet_from_the_preview(sipas, upload, admin_user, client_for, clean):
    from django.urls import reverse

    from surveys.services.imports import survey_import_preview

    content = workbook_bytes(
        {
            "Nam truoc": sheet_rows(header_for(CODES), [form_row("SNV", "X1", [1, 1])]),
            "Nam nay": sheet_rows(header_for(CODES), ROWS),
        }
    )
    imp = upload(round=sipas, survey="sipas", content=content)
    assert imp.summary["sheet"] == "Nam truoc" and imp.rows_total == 1
    page = client_for(admin_user).get(reverse("surveys:import_detail", args=[imp.pk])).content.decode()
    assert 'id="sheet-form"' in page and "Nam nay" in page
    response = client_for(admin_user).post(reverse("surveys:import_sheet", args=[imp.pk]), {"sheet": "Nam nay"})
    assert response.status_code == 302
    imp = survey_import_preview(import_id=imp.pk)
    assert imp.summary["sheet"] == "Nam nay" and answers(imp) == clean
    assert imp.summary["checked_formula_cells"] == []


def test_preview_page_lists_ignored_columns_and_skipped_totals(sipas, upload, admin_user, client_for):
    from django.urls import reverse

    rows = [
        ["ma_don_vi", "ten_don_vi", "ma_phieu", "S1", "S2"],
        ["SNV", "Sở Nội vụ", "F1", 5, 4],
        ["Tổng cộng", "", "", 5, 4],
    ]
    imp = upload(round=sipas, survey="sipas", content=workbook_bytes({"Phieu": rows}))
    page = client_for(admin_user).get(reverse("surveys:import_detail", args=[imp.pk])).content.decode()
    assert "ten_don_vi" in page.split('id="ignored-columns"')[1].split("</li>")[0]
    assert "3" in page.split('id="totals-rows"')[1].split("</li>")[0]


@pytest.mark.parametrize(("name", "content"), [("a.xls", b"ma_don_vi,ma_phieu\nSNV,F1\n"), ("a.ods", b"not a zip")])
def test_a_file_named_xls_or_ods_that_is_not_one_is_refused_at_upload(sipas, upload, name, content):
    from surveys.models import SurveyImport
    from surveys.services.imports import ImportRefused

    with pytest.raises(ImportRefused):
        upload(round=sipas, survey="sipas", content=content, name=name)
    assert not SurveyImport.objects.exists()


def test_an_xls_sheet_wider_than_allowed_is_refused_at_upload(sipas, upload, settings):
    from surveys.services.imports import ImportRefused

    settings.SURVEY_MAX_COLUMNS = 5
    with pytest.raises(ImportRefused, match="5"):
        upload(round=sipas, survey="sipas", content=xls_bytes([header_for(CODES), *ROWS]), name="a.xls")
