"""Survey pages: who may reach what, the template round trip, upload → preview → confirm in the browser flow."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from surveys.models import SurveyImport, SurveyLeafResult
from surveys.services.imports import survey_import_confirm
from tests.factories import UserFactory
from tests.surveys.factories import cs_question, form_row, header_for, sipas_question, xlsx_bytes


@pytest.fixture
def defined(round_2021, framework, assessment_a, assessment_b):
    sipas_question(round=round_2021, code="S1", element=1, order=1)
    sipas_question(round=round_2021, code="S2", element=5, order=2)
    cs_question(round=round_2021, code="C1", leaf_code="2.2")
    return round_2021


@pytest.fixture
def previewed(defined, upload):
    rows = [form_row("SNV", "F1", [5, 4]), form_row("STP", "F2", [1, 9])]
    return upload(round=defined, survey="sipas", content=xlsx_bytes(header_for(["S1", "S2"]), rows))


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


def _upload_file(content, name="phieu.xlsx"):
    f = io.BytesIO(content)
    f.name = name
    return f


def test_template_help_sheet_writes_question_text_that_looks_like_a_formula_as_text(defined, admin_user, client_for):
    defined.survey_questions.filter(code="S1").update(text='=HYPERLINK("http://evil.example","x")')
    response = client_for(admin_user).get(reverse("surveys:template", args=[2021, "sipas"]))
    help_sheet = load_workbook(io.BytesIO(response.content)).worksheets[1]
    meaning = {row[0].value: row[1] for row in help_sheet.iter_rows(min_row=2)}
    assert meaning["S1"].value == '\'=HYPERLINK("http://evil.example","x")'
    assert meaning["S1"].data_type != "f"


def test_admin_downloads_a_template_that_imports_back_once_filled(
    defined, admin_user, client_for, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    response = client.get(reverse("surveys:template", args=[2021, "sipas"]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    data, help_sheet = wb.worksheets
    header = [c.value for c in data[1]]
    assert header == header_for(["S1", "S2"])
    assert {dv.formula1 for dv in data.data_validations.dataValidation} == {'"1,2,3,4,5"'}
    assert [r[0].value for r in help_sheet.iter_rows(min_row=2)][-2:] == ["S1", "S2"]
    data.append(form_row("SNV", "F1", [5, 5]))
    buf = io.BytesIO()
    wb.save(buf)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:upload", args=[2021, "sipas"]), {"file": _upload_file(buf.getvalue())})
    imp = SurveyImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("surveys:import_detail", args=[imp.pk])
    assert imp.status == "preview" and imp.rows_valid == 1


def test_preview_page_lists_problems_and_counts_and_confirm_needs_the_checkbox(previewed, admin_user, client_for):
    client = client_for(admin_user)
    page = client.get(reverse("surveys:import_detail", args=[previewed.pk])).content.decode()
    assert 'id="problems"' in page and ">9<" in page and 'name="accept_invalid"' in page
    assert "SNV" in page and "STP" in page
    url = reverse("surveys:import_confirm", args=[previewed.pk])
    client.post(url)
    assert SurveyImport.objects.get(pk=previewed.pk).status == "preview"
    response = client.post(url, {"accept_invalid": "on"})
    assert response.status_code == 302
    assert SurveyImport.objects.get(pk=previewed.pk).status == "confirmed"


def test_progress_partial_polls_while_reading_and_asks_for_a_reload_when_done(previewed, admin_user, client_for):
    client = client_for(admin_user)
    SurveyImport.objects.filter(pk=previewed.pk).update(status="parsing", progress_rows=1234, progress_percent=40)
    response = client.get(reverse("surveys:import_progress", args=[previewed.pk]))
    assert "hx-trigger" in response.content.decode() and "40" in response.content.decode()
    assert "HX-Refresh" not in response
    SurveyImport.objects.filter(pk=previewed.pk).update(status="preview")
    response = client.get(reverse("surveys:import_progress", args=[previewed.pk]))
    assert response["HX-Refresh"] == "true"


def test_results_show_points_percentages_and_not_measured_warnings(
    previewed, admin_user, appraiser, leader, client_for
):
    survey_import_confirm(import_id=previewed.pk, user=admin_user, accept_invalid=True)
    for user in (admin_user, appraiser, leader):
        page = client_for(user).get(reverse("surveys:results", args=[2021])).content.decode()
        assert "100,00" in page  # SNV: both elements 100 %
        assert "chưa đo được" in page  # STP's only form is invalid; cs not imported
    detail = client_for(leader).get(reverse("surveys:unit_results", args=[2021, "STP"]))
    assert detail.status_code == 200 and 'id="not-measured"' in detail.content.decode()


def test_officer_sees_only_their_own_unit_results(previewed, admin_user, officer_a, client_for):
    survey_import_confirm(import_id=previewed.pk, user=admin_user, accept_invalid=True)
    client = client_for(officer_a)
    page = client.get(reverse("surveys:results", args=[2021])).content.decode()
    assert 'id="unit-SNV"' in page and 'id="unit-STP"' not in page
    assert client.get(reverse("surveys:unit_results", args=[2021, "SNV"])).status_code == 200
    assert client.get(reverse("surveys:unit_results", args=[2021, "STP"])).status_code == 404


@pytest.mark.parametrize("persona", ["officer_a", "leader", "appraiser", "outsider"])
def test_non_admins_cannot_upload_confirm_cancel_or_see_imports(previewed, persona, request, client_for):
    # Survey administration is a role other roles never have: 403 (parindex.permissions, rule 2).
    client = client_for(request.getfixturevalue(persona))
    pk = previewed.pk
    assert client.post(reverse("surveys:upload", args=[2021, "sipas"]), {"file": _upload_file(b"x")}).status_code == 403
    assert client.post(reverse("surveys:import_confirm", args=[pk]), {"accept_invalid": "on"}).status_code == 403
    assert client.post(reverse("surveys:import_cancel", args=[pk])).status_code == 403
    for name, args in [
        ("import_detail", [pk]),
        ("import_progress", [pk]),
        ("template", [2021, "sipas"]),
        ("questions", [2021]),
    ]:
        assert client.get(reverse(f"surveys:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("surveys:questions_copy", args=[2021])).status_code == 403
    assert SurveyImport.objects.get(pk=pk).status == "preview"
    assert SurveyImport.objects.count() == 1


def test_outsider_cannot_read_results(previewed, outsider, client_for):
    client = client_for(outsider)
    assert client.get(reverse("surveys:results", args=[2021])).status_code == 403
    assert client.get(reverse("surveys:unit_results", args=[2021, "SNV"])).status_code == 403
    assert client.get(reverse("surveys:index")).status_code == 403


def test_anonymous_is_sent_to_login(previewed, client):
    response = client.get(reverse("surveys:results", args=[2021]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_admin_pages_render(previewed, admin_user, client_for):
    client = client_for(admin_user)
    for url in [
        reverse("surveys:index"),
        reverse("surveys:round", args=[2021]),
        reverse("surveys:questions", args=[2021]),
        reverse("home"),
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    page = client.get(reverse("surveys:round", args=[2021])).content.decode()
    assert 'id="import-history"' in page and "phieu.xlsx" in page


def test_cs_results_show_leaf_points(defined, upload, admin_user, client_for):
    imp = upload(round=defined, survey="cs", content=xlsx_bytes(header_for(["C1"]), [form_row("SNV", "F1", [4])]))
    survey_import_confirm(import_id=imp.pk, user=admin_user)
    # one answer 4 → 0.75 × 1.00 = 0.75
    assert SurveyLeafResult.objects.get(survey_import=imp, unit__code="SNV").points == Decimal("0.75")
    page = client_for(admin_user).get(reverse("surveys:unit_results", args=[2021, "SNV"])).content.decode()
    assert "0,75" in page


def test_assessment_page_shows_survey_points_of_the_current_import(
    defined, upload, admin_user, officer_a, officer_b, client_for
):
    from assessments.models import Assessment

    imp = upload(round=defined, survey="cs", content=xlsx_bytes(header_for(["C1"]), [form_row("SNV", "F1", [4])]))
    survey_import_confirm(import_id=imp.pk, user=admin_user)

    def leaf_html(officer, code):
        a = Assessment.objects.get(unit=officer.unit, round=defined)
        # every domain rendered (the page otherwise renders the first unfinished one and loads the others on demand)
        html = client_for(officer).get(reverse("assessments:detail", args=[a.pk]) + "?open=all").content.decode()
        return re.search(
            rf'<article class="leaf survey-leaf"[^>]*data-code="{re.escape(code)}">(.*?)</article>', html, re.S
        ).group(1)

    # SNV: one answer 4 → fraction 0.75 × max 1.00 = 0,75 on leaf 2.2
    assert re.search(r'class="survey-points"[^>]*>0,75</strong> / 1,00', leaf_html(officer_a, "2.2"))
    # no SIPAS import confirmed yet: the SIPAS leaf says so instead of inventing points
    assert "survey-pending" in leaf_html(officer_a, "3")
    # STP gave no valid civil-servant answer: not measured, not zero
    stp = leaf_html(officer_b, "2.2")
    assert "survey-not-measured" in stp and "survey-points" not in stp


def test_preview_lists_units_in_display_order_not_by_code(defined, district_assessment, upload, admin_user, client_for):
    # By code "883" would come before "SNV"; departments (group order 1) come before districts (group order 2).
    rows = [form_row("883", "F1", [5, 4]), form_row("STP", "F2", [4, 4]), form_row("SNV", "F3", [5, 5])]
    imp = upload(round=defined, survey="sipas", content=xlsx_bytes(header_for(["S1", "S2"]), rows))
    html = client_for(admin_user).get(reverse("surveys:import_detail", args=[imp.pk])).content.decode()
    table = html[html.index('id="unit-counts"') :]
    assert table.index("SNV") < table.index("STP") < table.index("883")
