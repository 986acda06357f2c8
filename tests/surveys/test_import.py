"""Upload → preview → confirm, replacement, invalid forms, duplicates, the command and the signal."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import SurveyImport, SurveyLeafResult, SurveyResponse, SurveyUnitResult
from surveys.selectors import survey_points_for_round
from surveys.services.imports import ImportRefused, survey_import_cancel, survey_import_confirm, survey_import_create
from surveys.signals import survey_import_confirmed
from tests.surveys.factories import csv_bytes, form_row, header_for, sipas_question, xlsx_bytes

CODES = ["S1", "S2"]


@pytest.fixture
def sipas(round_2021, framework):
    sipas_question(round=round_2021, code="S1", element=1, order=1)
    sipas_question(round=round_2021, code="S2", element=2, order=2, required=True)
    return round_2021


def good_rows(unit="SNV", prefix="F", high=2, low=0):
    rows = [form_row(unit, f"{prefix}{i}", [5, 4]) for i in range(high)]
    rows += [form_row(unit, f"{prefix}L{i}", [1, 2]) for i in range(low)]
    return rows


def test_preview_stages_forms_without_scoring_then_confirm_makes_them_current(
    sipas, assessment_a, assessment_b, upload, admin_user
):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), good_rows(high=3, low=1)))
    assert imp.status == "preview" and (imp.rows_total, imp.rows_valid, imp.rows_invalid) == (4, 4, 0)
    assert [(u["code"], u["respondents"], u["valid"]) for u in imp.summary["units"]] == [("SNV", 4, 4)]
    assert SurveyResponse.objects.filter(survey_import=imp).count() == 4
    assert survey_points_for_round(round=sipas).leaf_points == {}  # preview scores nothing
    survey_import_confirm(import_id=imp.id, user=admin_user)
    imp.refresh_from_db()
    assert imp.status == "confirmed" and imp.is_current
    points = survey_points_for_round(round=sipas)
    leaf = assessment_a.round.frameworks.get().nodes.get(code="3")
    # SNV: element 1 answers 5,5,5,1 → 75 %; element 2 answers 4,4,4,2 → 75 %; SIPAS 75 % × 2 = 1.50
    assert points.leaf_points[(assessment_a.unit_id, leaf.id)] == Decimal("1.50")
    assert points.leaf_points[(assessment_b.unit_id, leaf.id)] is None  # STP sent no form: not measured
    assert points.imports == [("sipas", imp.id, imp.sha256)]


def test_reimport_replaces_the_current_import_and_keeps_the_old_one_in_history(sipas, assessment_a, upload, admin_user):
    first = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), good_rows(high=2)))
    survey_import_confirm(import_id=first.id, user=admin_user)
    second = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), good_rows(high=1, low=1)))
    survey_import_confirm(import_id=second.id, user=admin_user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.is_current) == ("superseded", False)
    assert (second.status, second.is_current) == ("confirmed", True)
    assert SurveyUnitResult.objects.filter(survey_import=first).exists()  # history intact
    # Now 50 % in each element → 1.00 of 2
    assert set(survey_points_for_round(round=sipas).leaf_points.values()) == {Decimal("1.00")}


def test_same_file_is_refused_naming_the_earlier_import_unless_reimport_is_asked(
    sipas, assessment_a, upload, admin_user
):
    content = xlsx_bytes(header_for(CODES), good_rows())
    first = upload(round=sipas, survey="sipas", content=content)
    survey_import_confirm(import_id=first.id, user=admin_user)
    with pytest.raises(ImportRefused) as exc:
        upload(round=sipas, survey="sipas", content=content)
    assert f"#{first.id}" in exc.value.message
    again = upload(round=sipas, survey="sipas", content=content, allow_reimport=True)
    assert again.status == "preview"


def test_invalid_forms_block_confirmation_until_accepted_and_are_never_scored(
    sipas, assessment_a, assessment_b, upload, admin_user
):
    rows = good_rows(high=1, low=1) + [
        form_row("SNV", "F0", [1, 1]),  # duplicate form id of row 2
        form_row("SNV", "X1", [7, 4]),  # answer outside the options
        form_row("SNV", "X2", [5, None]),  # S2 is required
        form_row("", "X3", [5, 5]),  # unit code missing
        form_row("KHONG", "X4", [5, 5]),  # unknown unit code
        form_row("SNV", "", [5, 5]),  # form id missing
    ]
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows))
    assert (imp.rows_total, imp.rows_valid, imp.rows_invalid) == (8, 2, 6)
    problems = {(p["row"], p["column"]): p for p in imp.problems}
    assert problems[(4, "B")]["value"] == "F0" and "2" in problems[(4, "B")]["reason"]
    assert problems[(5, "H")]["value"] == "7"
    assert (6, "I") in problems and (7, "A") in problems and (9, "B") in problems
    assert problems[(8, "A")]["value"] == "KHONG"
    with pytest.raises(ImportRefused):
        survey_import_confirm(import_id=imp.id, user=admin_user)
    survey_import_confirm(import_id=imp.id, user=admin_user, accept_invalid=True)
    imp.refresh_from_db()
    assert imp.accepted_invalid and imp.status == "confirmed"
    stored = SurveyResponse.objects.get(survey_import=imp, form_id="X1")
    assert not stored.valid and any("S1" in r for r in stored.invalid_reasons)
    unit = SurveyUnitResult.objects.get(survey_import=imp, unit=assessment_a.unit)
    # SNV valid forms F0 (5,4) and FL0 (1,2): element 1 → 1 of 2 = 50 %, element 2 → 1 of 2 = 50 %.
    # Had the invalid forms counted, element 1 would have more "5"s.
    assert (unit.respondents, unit.valid_forms, unit.invalid_forms) == (6, 2, 4)
    assert unit.sipas_pct == Decimal("50.00")


def test_csv_with_semicolons_is_imported_like_xlsx(sipas, assessment_a, upload, admin_user):
    imp = upload(
        round=sipas,
        survey="sipas",
        content=csv_bytes(header_for(CODES), good_rows(high=2, low=2), delimiter=";"),
        name="phieu.csv",
    )
    assert imp.status == "preview" and imp.rows_valid == 4
    survey_import_confirm(import_id=imp.id, user=admin_user)
    assert SurveyLeafResult.objects.get(survey_import=imp, unit=assessment_a.unit).points == Decimal("1.00")


def test_cancel_discards_the_staged_forms(sipas, assessment_a, upload, admin_user):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), good_rows()))
    survey_import_cancel(import_id=imp.id, user=admin_user)
    assert SurveyImport.objects.get(pk=imp.pk).status == "cancelled"
    assert not SurveyResponse.objects.filter(survey_import=imp).exists()
    with pytest.raises(ImportRefused):
        survey_import_confirm(import_id=imp.id, user=admin_user)


def test_confirmation_signal_is_sent_only_after_commit(
    sipas, assessment_a, upload, admin_user, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    survey_import_confirmed.connect(listener)
    try:
        imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), good_rows()))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            survey_import_confirm(import_id=imp.id, user=admin_user)
        assert received == []
        for cb in callbacks:
            cb()
        assert [(r["round_id"], r["survey"], r["import_id"]) for r in received] == [(sipas.id, "sipas", imp.id)]
    finally:
        survey_import_confirmed.disconnect(listener)


def test_upload_enqueues_the_preview_after_commit(sipas, assessment_a, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        imp = survey_import_create(
            round=sipas,
            survey="sipas",
            fileobj=io.BytesIO(xlsx_bytes(header_for(CODES), good_rows())),
            name="a.xlsx",
            user=admin_user,
        )
    imp.refresh_from_db()
    assert imp.status == "preview" and imp.progress_percent == 100


def test_command_dry_run_stores_nothing_and_real_run_confirms(sipas, assessment_a, tmp_path):
    path = tmp_path / "sipas.xlsx"
    path.write_bytes(xlsx_bytes(header_for(CODES), good_rows(high=1, low=1)))
    out = io.StringIO()
    call_command("survey_import", "--round", "2021", "--survey", "sipas", str(path), "--dry-run", stdout=out)
    assert "2 forms" in out.getvalue() and not SurveyImport.objects.exists()
    call_command("survey_import", "--round", "2021", "--survey", "sipas", str(path), stdout=out)
    assert SurveyImport.objects.get().is_current


def test_command_refuses_invalid_forms_without_accept_invalid(sipas, assessment_a, tmp_path):
    path = tmp_path / "sipas.xlsx"
    path.write_bytes(xlsx_bytes(header_for(CODES), [form_row("SNV", "A", [9, 9])]))
    with pytest.raises(CommandError):
        call_command("survey_import", "--round", "2021", "--survey", "sipas", str(path), stdout=io.StringIO())
    assert not SurveyImport.objects.exists() and not SurveyResponse.objects.exists()
    call_command(
        "survey_import", "--round", "2021", "--survey", "sipas", str(path), "--accept-invalid", stdout=io.StringIO()
    )
    assert SurveyImport.objects.get().accepted_invalid


def test_text_with_tabs_backslashes_and_quotes_survives_the_bulk_write(sipas, assessment_a, upload, admin_user):
    tricky = 'A\\B\t"C"'
    row = form_row("SNV", tricky, [5, 4], attrs=("Nữ\\x", "line\nbreak", "tab\there", '"q"', "é"))
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), [row]))
    stored = SurveyResponse.objects.get(survey_import=imp)
    assert stored.form_id == tricky
    assert stored.attributes == {
        "gioi_tinh": "Nữ\\x",
        "nhom_tuoi": "line\nbreak",
        "trinh_do": "tab\there",
        "nghe_nghiep": '"q"',
        "hinh_thuc": "é",
    }
    assert stored.answers == {"S1": "5", "S2": "4"}


def test_stored_spreadsheet_is_deleted_when_the_upload_transaction_rolls_back(
    sipas, assessment_a, admin_user, settings, monkeypatch
):
    # The file reaches storage before the import row is written; if writing the row fails the transaction
    # rolls back, and the spreadsheet must not stay on disk with no import pointing to it.
    def fail(self, *args, **kwargs):
        raise RuntimeError("database write failed")

    monkeypatch.setattr(SurveyImport, "save", fail)
    with pytest.raises(RuntimeError):
        survey_import_create(
            round=sipas,
            survey="sipas",
            fileobj=io.BytesIO(xlsx_bytes(header_for(CODES), good_rows())),
            name="a.xlsx",
            user=admin_user,
            enqueue=False,
        )
    media = settings.MEDIA_ROOT
    left_behind = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert left_behind == []


def test_unexpected_failure_of_a_preview_shows_no_sql_to_the_admin(sipas, upload, round_2021, monkeypatch):
    from django.db import DataError

    from surveys.models import ImportStatus
    from surveys.services import imports

    def fail(imp):
        raise DataError("value too long for type character varying(64)\nCONTEXT: COPY surveys_surveyresponse, line 3")

    monkeypatch.setattr(imports, "parse_and_stage", fail)
    with pytest.raises(DataError):
        upload(round=round_2021, survey="sipas", content=xlsx_bytes(header_for(["S1"]), good_rows()))
    imp = SurveyImport.objects.get()
    assert imp.status == ImportStatus.FAILED
    assert "surveys_surveyresponse" not in imp.error and "COPY" not in imp.error
    assert "mã tham chiếu" in imp.error
