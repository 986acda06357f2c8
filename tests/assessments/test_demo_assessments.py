"""The demo loader drives the workflow services on a small base (the full base is loaded by load_demo)."""

from datetime import timedelta

from django.utils import timezone

from assessments.demo_assessments import load_demo_assessments
from assessments.models import Assessment, AssessmentEvent, AssessmentState, LeafScore
from tests.factories import RoundFactory, UnitFactory, UserFactory, add_to_round, build_framework


def small_base(department_group, district_group):
    now = timezone.now()
    current = RoundFactory(year=2021)
    past = RoundFactory(
        year=2020,
        status="closed",
        self_deadline=now - timedelta(days=300),
        explanation_deadline=now - timedelta(days=270),
    )
    units = [
        UnitFactory(code="SNV", name="Sở Nội vụ", group=department_group),
        UnitFactory(code="STP", name="Sở Tư pháp", group=department_group),
        UnitFactory(code="883", name="Thành phố Long Xuyên", group=district_group),
    ]
    for rnd in (current, past):
        for group in (department_group, district_group):
            build_framework(round=rnd, group=group)
        for unit in units:
            add_to_round(round=rnd, unit=unit)
    UserFactory(username="thamdinh", is_appraiser=True)
    UserFactory(username="admin", is_par_admin=True, is_staff=True, is_superuser=True)
    UserFactory(username="canbo_stp", is_officer=True, unit=units[1])
    return current, past


def test_demo_finalises_every_unit_except_the_journey_units_and_is_idempotent(department_group, district_group):
    current, past = small_base(department_group, district_group)
    assert load_demo_assessments()["created"] == 4  # 2020: 3 units; 2021: SNV only
    states = dict(Assessment.objects.filter(round=current).values_list("unit__code", "state"))
    assert states == {"SNV": AssessmentState.FINALISED, "STP": AssessmentState.DRAFT, "883": AssessmentState.DRAFT}
    assert set(Assessment.objects.filter(round=past).values_list("state", flat=True)) == {AssessmentState.FINALISED}
    assert not LeafScore.objects.filter(assessment__round=current, assessment__unit__code="STP").exists()
    # the past round was submitted before its deadline (or late with an extension), through the services
    for a in Assessment.objects.filter(round=past):
        assert a.submitted_at <= past.self_deadline or (a.submitted_late and a.extension_until)
        assert list(a.events.values_list("action", flat=True))[-1] == "finalise"
        assert a.evidence_files.count() == 1  # one report linked to every leaf that needs evidence
    assert LeafScore.objects.filter(assessment__round=past, app_points__isnull=False).exists()
    events = AssessmentEvent.objects.count()
    assert load_demo_assessments()["created"] == 0
    assert AssessmentEvent.objects.count() == events


def test_demo_canbo_stp_is_the_officer_of_stp_in_past_rounds(department_group, district_group):
    current, past = small_base(department_group, district_group)
    load_demo_assessments()
    stp = Assessment.objects.get(round=past, unit__code="STP")
    assert stp.events.get(action="submit").actor.username == "canbo_stp"
