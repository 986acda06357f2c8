"""Replacing the current survey import shows, per unit, forms and points before and after and the units that
lose their measurement or their minimum sample; a superseded import can be restored as a new import."""

from decimal import Decimal

import pytest
from django.urls import reverse

from surveys.models import SurveyImport, SurveyLeafResult, SurveyUnitResult
from surveys.services.imports import ImportRefused, survey_import_confirm
from surveys.services.replacement import replacement_preview, survey_import_restore
from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

CODES = ["S1", "S2"]


@pytest.fixture
def sipas(round_2021, framework):
    sipas_question(round=round_2021, code="S1", element=1, order=1)
    sipas_question(round=round_2021, code="S2", element=2, order=2, required=True)
    round_2021.survey_min_forms = 2
    round_2021.save(update_fields=["survey_min_forms"])
    return round_2021


def rows(unit, n, answers=(5, 4)):
    return [form_row(unit, f"{unit}{i}", list(answers)) for i in range(n)]


@pytest.fixture
def replaced(sipas, assessment_a, assessment_b, upload, admin_user):
    """The current import measures both units with 2 forms each; the new file has 1 form of unit A only."""
    first = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows("SNV", 2) + rows("STP", 2)))
    survey_import_confirm(import_id=first.id, user=admin_user)
    second = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows("SNV", 1, (1, 2))))
    return first, second


def test_preview_lists_each_unit_before_and_after_and_what_it_loses(replaced, assessment_a, assessment_b):
    first, second = replaced
    replacement = replacement_preview(imp=second)
    assert replacement.current == first
    by_unit = {c.unit.code: c for c in replacement.units}
    a, b = by_unit[assessment_a.unit.code], by_unit[assessment_b.unit.code]
    assert (a.forms_before, a.forms_after, b.forms_before, b.forms_after) == (2, 1, 2, 0)
    assert a.points_before == Decimal("2.00") and a.points_after == Decimal("0.00")  # all satisfied → none
    assert b.points_before == Decimal("2.00") and b.points_after is None
    assert [c.unit.code for c in replacement.unmeasured] == [assessment_b.unit.code]
    assert [c.unit.code for c in replacement.under_minimum] == [assessment_a.unit.code]  # 1 form of at least 2
    # The preview kept nothing: the new import has no results until it is confirmed.
    assert not SurveyUnitResult.objects.filter(survey_import=second).exists()
    assert not SurveyLeafResult.objects.filter(survey_import=second).exists()


def test_the_preview_agrees_with_the_points_after_confirming(replaced, assessment_a, admin_user):
    _, second = replaced
    expected = {c.unit.pk: c.points_after for c in replacement_preview(imp=second).units}
    survey_import_confirm(import_id=second.id, user=admin_user)
    for unit_id, points in expected.items():
        got = SurveyLeafResult.objects.filter(survey_import=second, unit_id=unit_id, points__isnull=False)
        assert (sum(r.points for r in got) if got else None) == points


def test_no_replacement_for_the_first_import(sipas, assessment_a, upload):
    imp = upload(round=sipas, survey="sipas", content=xlsx_bytes(header_for(CODES), rows("SNV", 2)))
    assert replacement_preview(imp=imp) is None


def test_confirming_a_replacement_needs_the_explicit_confirmation(replaced, client_for, admin_user):
    first, second = replaced
    c = client_for(admin_user)
    page = c.get(reverse("surveys:import_detail", args=[second.pk])).content.decode()
    assert 'id="replacement-units"' in page and 'name="confirm_replace"' in page
    c.post(reverse("surveys:import_confirm", args=[second.pk]))
    first.refresh_from_db()
    assert first.is_current  # not replaced without the confirmation
    c.post(reverse("surveys:import_confirm", args=[second.pk]), {"confirm_replace": "on"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_current and not first.is_current


def test_a_superseded_import_is_restored_as_a_new_import_of_the_same_file(replaced, admin_user, client_for):
    first, second = replaced
    survey_import_confirm(import_id=second.id, user=admin_user)
    first.refresh_from_db()
    response = client_for(admin_user).post(reverse("surveys:import_restore", args=[first.pk]))
    restored = SurveyImport.objects.exclude(pk__in=[first.pk, second.pk]).get()
    assert response["Location"] == reverse("surveys:import_detail", args=[restored.pk])
    assert restored.restored_from == first and restored.uploaded_by == admin_user
    assert restored.sha256 == first.sha256 and restored.file.name != first.file.name
    first.refresh_from_db()
    assert first.status == "superseded"  # the old record stays as it was, in the history


def test_only_a_superseded_import_can_be_restored(replaced, admin_user, officer_a):
    first, second = replaced
    with pytest.raises(ImportRefused):
        survey_import_restore(import_id=first.pk, user=admin_user)  # still current
    from django.core.exceptions import PermissionDenied

    survey_import_confirm(import_id=second.id, user=admin_user)
    with pytest.raises((PermissionDenied, ImportRefused)):
        survey_import_restore(import_id=first.pk, user=officer_a)
