"""Hostile and broken files: refused with a Vietnamese reason, never a server error, nothing stored."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from surveys.models import SurveyImport, SurveyLeafResult, SurveyResponse
from surveys.services.imports import ImportRefused, survey_import_confirm
from tests.surveys import hostile
from tests.surveys.factories import csv_bytes, form_row, header_for, sipas_question, xlsx_bytes

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "surveys"


@pytest.fixture
def sipas(round_2021, framework, assessment_a):
    sipas_question(round=round_2021, code="S1", element=1)
    return round_2021


def assert_nothing_stored():
    assert not SurveyResponse.objects.exists()
    assert not SurveyLeafResult.objects.exists()
    assert not SurveyImport.objects.filter(is_current=True).exists()


def assert_rejected_at_preview(imp):
    assert imp.status == "rejected" and imp.error
    assert not imp.file  # the stored upload is removed
    assert_nothing_stored()


@pytest.mark.parametrize(
    "name, content",
    [
        ("fake.xlsx", hostile.not_a_spreadsheet()),
        ("zip.xlsx", hostile.zip_not_xlsx()),
        ("binary.csv", b"\x00\x01\x02" * 100),
        ("notes.txt", b"ma_don_vi,ma_phieu\n"),
    ],
)
def test_file_that_is_not_a_spreadsheet_is_refused_at_upload(sipas, upload, name, content):
    with pytest.raises(ImportRefused):
        upload(round=sipas, survey="sipas", content=content, name=name)
    assert not SurveyImport.objects.exists()


def test_zip_bomb_is_refused_before_any_parser_reads_it(sipas, upload, settings):
    settings.SURVEY_XLSX_MAX_UNCOMPRESSED_BYTES = 2 * 2**20
    content = hostile.zip_bomb(8 * 2**20)  # 8 MB of zeros compress to a few KB
    assert len(content) < 100_000
    with translation.override("vi"), pytest.raises(ImportRefused) as exc:
        upload(round=sipas, survey="sipas", content=content)
    assert "MB" in exc.value.message
    assert not SurveyImport.objects.exists()


def test_archive_with_too_many_members_is_refused(sipas, upload):
    with pytest.raises(ImportRefused):
        upload(round=sipas, survey="sipas", content=hostile.many_members(1200))
    assert not SurveyImport.objects.exists()


def test_formula_cells_are_invalid_answers_and_their_cached_value_is_never_used(sipas, upload, admin_user):
    # The hostile file claims the formula =2+3 has the value 5; the importer must not count it.
    content = hostile.with_forged_formula_value(["S1"], [form_row("SNV", "F1", ["=2+3"]), form_row("SNV", "F2", [1])])
    imp = upload(round=sipas, survey="sipas", content=content)
    assert imp.status == "preview" and imp.rows_invalid == 1
    assert imp.problems[0]["row"] == 2 and imp.problems[0]["column"] == "H"
    assert "formula" in imp.problems[0]["reason"].lower() or "công thức" in imp.problems[0]["reason"]
    survey_import_confirm(import_id=imp.id, user=admin_user, accept_invalid=True)
    # Only F2 (answer 1) counts: 0 % satisfied → 0.00 points; had the forged 5 counted, 50 %.
    assert SurveyLeafResult.objects.get(survey_import=imp).points == 0


def test_formula_text_in_csv_is_taken_literally_and_invalid(sipas, upload):
    imp = upload(
        round=sipas,
        survey="sipas",
        content=csv_bytes(header_for(["S1"]), [form_row("SNV", "F1", ["=1+4"])]),
        name="a.csv",
    )
    assert imp.rows_invalid == 1 and imp.problems[0]["value"] == "=1+4"


def test_empty_sheet_is_rejected(sipas, upload):
    assert_rejected_at_preview(upload(round=sipas, survey="sipas", content=hostile.empty_sheet()))


def test_header_without_forms_is_rejected(sipas, upload):
    assert_rejected_at_preview(upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(["S1"]), [])))


def test_wrong_sheet_with_missing_and_unknown_columns_is_rejected_naming_them(sipas, upload):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(["ma_don_vi", "ma_phieu", "Q99"], [["SNV", "F1", 5]]))
    assert_rejected_at_preview(imp)
    assert "S1" in imp.error and "Q99" in imp.error


def test_a_million_columns_in_csv_is_rejected_without_reading_them(sipas, upload):
    imp = upload(round=sipas, survey="sipas", content=hostile.wide_csv(1_000_000), name="wide.csv")
    assert_rejected_at_preview(imp)


def test_widest_possible_xlsx_sheet_is_refused_at_upload_before_any_parser(sipas, upload):
    header = header_for(["S1"]) + [f"x{i}" for i in range(16384 - 8)]
    with pytest.raises(ImportRefused, match="16384"):
        upload(round=sipas, survey="sipas", content=xlsx_bytes(header, [form_row("SNV", "F1", [5])]))


def test_csv_in_no_known_encoding_is_rejected_naming_the_row(sipas, upload):
    imp = upload(round=sipas, survey="sipas", content=hostile.not_text_csv(), name="a.csv")
    assert_rejected_at_preview(imp)
    assert "Windows-1258" in imp.error


def test_file_over_the_upload_limit_is_refused(sipas, upload, settings):
    settings.SURVEY_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ImportRefused):
        upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5])]))
    assert not SurveyImport.objects.exists()


def test_every_corpus_file_gets_a_page_not_a_server_error(
    sipas, admin_user, client_for, django_capture_on_commit_callbacks, settings
):
    settings.SURVEY_XLSX_MAX_UNCOMPRESSED_BYTES = 2 * 2**20
    client = client_for(admin_user)
    files = sorted(CORPUS_DIR.iterdir())
    assert len(files) >= 5
    for path in files:
        with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("surveys:upload", args=[2021, "sipas"]), {"file": fh}, follow=True)
        assert response.status_code == 200, path.name
    # The formula file previews with its formula form marked invalid; the Latin-1 and UTF-16 CSV files are
    # read as Windows-1258 and UTF-16 text; everything else is refused.
    readable = {"formula_forged_value.xlsx": 0, "latin1.csv": 1, "utf16.csv": 1}
    for imp in SurveyImport.objects.all():
        assert imp.status in ("rejected", "preview")
        if imp.status == "preview":
            assert readable[imp.original_name] == imp.rows_valid
    assert not SurveyLeafResult.objects.exists()


def test_oversized_upload_through_the_page_shows_a_message(sipas, admin_user, client_for, settings):
    settings.SURVEY_UPLOAD_MAX_BYTES = 100
    response = client_for(admin_user).post(
        reverse("surveys:upload", args=[2021, "sipas"]), {"file": _named(b"x" * 500, "big.xlsx")}, follow=True
    )
    assert response.status_code == 200 and not SurveyImport.objects.exists()
    assert "MB" in response.content.decode()


def _named(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_sheet_full_of_formulas_is_refused_at_upload(sipas, upload, monkeypatch):
    from surveys import reader

    monkeypatch.setattr(reader, "MAX_FORMULA_CELLS", 3)
    rows = [form_row("SNV", f"F{i}", [f"={i}+1"]) for i in range(5)]
    with pytest.raises(ImportRefused):
        upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(["S1"]), rows))
    assert not SurveyImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "says"), [("far_cell.xlsx", "dòng 1048576"), ("far_cell_within_limit.xlsx", "150000 dòng × 300 cột")]
)
def test_far_cell_files_of_the_probe_are_refused_at_upload_in_vietnamese(sipas, upload, name, says):
    content = (Path(__file__).resolve().parents[1] / "data" / "hostile" / name).read_bytes()
    with pytest.raises(ImportRefused) as refused:
        upload(round=sipas, survey="sipas", content=content)
    assert says in refused.value.message
    assert not SurveyImport.objects.exists()
