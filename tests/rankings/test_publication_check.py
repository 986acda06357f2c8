"""The publication check: every reason a run may not be final is listed; publishing needs a confirmation
and, when anything is listed, a written reason kept with the run."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentState
from rankings import services
from rankings.publication import publication_check
from surveys.models import SurveyUnitResult
from tests.rankings.factories import scores, survey, unit_in_round

pytestmark = pytest.mark.django_db
FULL = {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"}


@pytest.fixture
def units(round_2021, framework, department_group):
    """Two finalised units, every survey leaf measured."""
    out = []
    for i, code in enumerate(("SNV", "STP")):
        a = unit_in_round(round=round_2021, group=department_group, code=code, order=i, name=f"Sở {code}")
        scores(a, FULL)
        out.append(a)
    survey(round_2021, {(a, "2.2"): "0.75" for a in out}, kind="cs")
    survey(round_2021, {(a, "3"): "1.5" for a in out}, kind="sipas")
    return out


def test_nothing_listed_when_every_unit_is_final_and_publishing_needs_only_the_confirmation(
    round_2021, units, compute, admin_user
):
    run = compute(round_2021)
    check = publication_check(run=run)
    assert not check.has_findings
    with pytest.raises(ValidationError) as refused:
        services.index_run_publish(run=run, user=admin_user)
    assert "confirm" in refused.value.message_dict
    run.refresh_from_db()
    assert not run.is_published
    published = services.index_run_publish(run=run, user=admin_user, confirmed=True)
    assert published.is_published and published.publish_reason == ""


def test_a_unit_in_draft_is_listed_and_publishing_requires_a_written_reason(round_2021, units, compute, admin_user):
    Assessment.objects.filter(pk=units[1].pk).update(state=AssessmentState.DRAFT)
    run = compute(round_2021)
    check = publication_check(run=run)
    assert [(f.unit.code, f.state_label) for f in check.not_finalised] == [("STP", "Đang tự đánh giá")]
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.index_run_publish(run=run, user=admin_user, confirmed=True, reason=reason)
        assert "reason" in refused.value.message_dict
    run.refresh_from_db()
    assert not run.is_published
    services.index_run_publish(
        run=run, user=admin_user, confirmed=True, reason="Sở Tư pháp chậm nộp; UBND tỉnh chỉ đạo công bố"
    )
    run.refresh_from_db()
    assert run.is_published and run.published_by == admin_user
    assert run.publish_reason == "Sở Tư pháp chậm nộp; UBND tỉnh chỉ đạo công bố"
    assert run.publish_check["not_finalised"] == ["STP"]


def test_survey_not_measured_is_listed(round_2021, units, compute):
    survey(round_2021, {(units[0], "3"): "1.5", (units[1], "3"): None}, kind="sipas")
    check = publication_check(run=compute(round_2021))
    assert [(f.unit.code, f.leaves) for f in check.not_measured] == [("STP", ["3"])]


def test_samples_below_the_rounds_minimum_are_listed(round_2021, units, compute):
    from surveys.models import SurveyImport

    current = SurveyImport.objects.get(round=round_2021, survey="sipas", is_current=True)
    SurveyUnitResult.objects.create(survey_import=current, unit=units[0].unit, respondents=40, valid_forms=40)
    SurveyUnitResult.objects.create(survey_import=current, unit=units[1].unit, respondents=3, valid_forms=1)
    run = compute(round_2021)
    assert publication_check(run=run).under_minimum == []  # no minimum set
    round_2021.survey_min_forms = 30
    round_2021.save()
    run.round.refresh_from_db()
    found = {
        (f.unit.code, f.valid_forms) for f in publication_check(run=run).under_minimum if "SIPAS" in f.survey_label
    }
    assert found == {("STP", 1)}


def test_an_import_confirmed_after_the_run_is_listed(round_2021, units, compute):
    run = compute(round_2021)
    assert publication_check(run=run).newer_imports == []
    newer = survey(round_2021, {(a, "3"): "2" for a in units}, kind="sipas")
    type(newer).objects.filter(pk=newer.pk).update(confirmed_at=timezone.now())
    assert [i.pk for i in publication_check(run=run).newer_imports] == [newer.pk]


def test_differences_from_the_published_run_are_listed(round_2021, units, compute, admin_user):
    services.index_run_publish(run=compute(round_2021), user=admin_user, confirmed=True)
    scores(units[0], {"1.1.1": "0"})
    run = compute(round_2021)
    [diff] = publication_check(run=run).differences
    assert diff.unit.code == "SNV"
    assert diff.before["total"] > diff.after.total
    assert diff.after.total == Decimal(diff.before["total"]) - 2


def test_publishing_is_refused_when_the_check_changed_since_it_was_read(round_2021, units, compute, admin_user):
    run = compute(round_2021)
    seen = publication_check(run=run).fingerprint
    Assessment.objects.filter(pk=units[0].pk).update(state=AssessmentState.IN_APPRAISAL)
    from rankings.models import UnitResult

    UnitResult.objects.filter(run=run, unit=units[0].unit).update(provisional=True)
    with pytest.raises(ValidationError):
        services.index_run_publish(run=run, user=admin_user, confirmed=True, reason="Đã xem", seen_check=seen)
    run.refresh_from_db()
    assert not run.is_published


def test_admin_reads_the_check_page_and_publishes_with_a_reason(round_2021, units, compute, admin_user, client_for):
    Assessment.objects.filter(pk=units[1].pk).update(state=AssessmentState.DRAFT)
    run = compute(round_2021)
    client = client_for(admin_user)
    page = client.get(reverse("rankings:publish_check", args=[run.pk])).content.decode()
    assert 'id="check-not-finalised"' in page and "Sở STP" in page
    assert 'name="reason"' in page and 'name="confirm"' in page
    fingerprint = publication_check(run=run).fingerprint
    assert f'value="{fingerprint}"' in page

    refused = client.post(reverse("rankings:publish", args=[run.pk]), {"confirm": "on", "check": fingerprint})
    assert refused.status_code == 422
    run.refresh_from_db()
    assert not run.is_published

    done = client.post(
        reverse("rankings:publish", args=[run.pk]),
        {"confirm": "on", "check": fingerprint, "reason": "Công bố theo chỉ đạo của UBND tỉnh"},
    )
    assert done.status_code == 302
    run.refresh_from_db()
    assert run.is_published and run.publish_reason == "Công bố theo chỉ đạo của UBND tỉnh"
    detail = client.get(reverse("rankings:run", args=[run.pk])).content.decode()
    assert "Công bố theo chỉ đạo của UBND tỉnh" in detail


def test_the_ranking_page_leads_to_the_check_not_straight_to_publishing(
    round_2021, units, compute, admin_user, client_for
):
    run = compute(round_2021)
    page = client_for(admin_user).get(reverse("dashboard:ranking", args=[2021]) + "?run=provisional").content.decode()
    assert reverse("rankings:publish_check", args=[run.pk]) in page
    assert f'action="{reverse("rankings:publish", args=[run.pk])}"' not in page


def test_appraiser_cannot_open_the_check(round_2021, units, compute, appraiser, client_for):
    run = compute(round_2021)
    assert client_for(appraiser).get(reverse("rankings:publish_check", args=[run.pk])).status_code == 403


@pytest.mark.parametrize(("given", "stored"), [("30", 30), ("", 0)])
def test_the_minimum_sample_is_a_round_setting_in_the_admin(given, stored):
    from assessments.admin import RoundForm

    form = RoundForm(
        data={
            "year": 2030,
            "title": "Chỉ số CCHC năm 2030",
            "status": "setup",
            "missing_survey_policy": "exclude",
            "bands": '[{"label": "Tốt", "min": "0"}]',
            "survey_min_forms": given,
        }
    )
    assert form.is_valid(), form.errors
    assert form.save().survey_min_forms == stored


def test_the_command_publishes_a_run_with_findings_only_with_a_reason(round_2021, units, admin_user):
    from django.core.management import CommandError, call_command

    from rankings.selectors import run_latest_published

    Assessment.objects.filter(pk=units[1].pk).update(state=AssessmentState.DRAFT)
    with pytest.raises(CommandError, match="lý do"):
        call_command("compute_index", "--round", "2021", "--publish")
    assert run_latest_published(round=round_2021) is None
    call_command("compute_index", "--round", "2021", "--publish", "--reason", "Công bố theo chỉ đạo")
    assert run_latest_published(round=round_2021).publish_reason == "Công bố theo chỉ đạo"
