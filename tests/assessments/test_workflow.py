"""Transitions of DESIGN §3: each allowed one, and each refused for wrong role, state, deadline or finalisation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import signals
from assessments.models import AssessmentEvent, AssessmentState, LeafScore
from assessments.services import workflow
from assessments.services.evidence import evidence_upload
from tests.assessments.factories import (
    MINI_SELF_TOTAL,
    appraised,
    explanation_requested,
    fill,
    finalised,
    in_appraisal,
    leaf,
    save_app,
    save_self,
    submitted,
)

S = AssessmentState


def refresh(a):
    a.refresh_from_db()
    return a


def test_officer_submits_a_complete_assessment_and_the_event_is_recorded(officer_a, assessment_a):
    submitted(officer_a, assessment_a)
    a = refresh(assessment_a)
    assert a.state == S.SUBMITTED and a.submitted_at is not None and not a.submitted_late
    event = AssessmentEvent.objects.get(assessment=a, action="submit")
    assert (event.actor, event.from_state, event.to_state) == (officer_a, "draft", "submitted")
    assert a.history.first().history_user == officer_a
    assert sum(s.self_points for s in LeafScore.objects.filter(assessment=a)) == MINI_SELF_TOTAL


def test_submit_lists_every_unscored_leaf_and_missing_evidence(officer_a, assessment_a):
    save_self(officer_a, assessment_a, "1.1.1")
    with pytest.raises(ValidationError) as exc:
        workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    text = " ".join(exc.value.messages)
    assert "1.1.2" in text and "1.2" in text and "2.1" in text and "1.1.1" not in text
    assert refresh(assessment_a).state == S.DRAFT


def test_missing_evidence_may_be_explained_instead(officer_a, assessment_a):
    for code in ("1.1.1", "1.1.2", "1.2"):
        save_self(officer_a, assessment_a, code)
    save_self(officer_a, assessment_a, "2.1")
    with pytest.raises(ValidationError, match="2.1"):
        workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    save_self(officer_a, assessment_a, "2.1", evidence_absence_note="Không có hồ sơ trễ hạn nên không có biên bản")
    assert workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk).state == S.SUBMITTED


def test_double_submit_is_refused_the_second_time(officer_a, assessment_a):
    fill(officer_a, assessment_a)
    version = refresh(assessment_a).version
    workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk, expected_version=version)
    with pytest.raises(ValidationError):
        workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk, expected_version=version)
    assert AssessmentEvent.objects.filter(assessment=assessment_a, action="submit").count() == 1


def test_transition_from_a_stale_page_is_refused(officer_a, appraiser, assessment_a):
    submitted(officer_a, assessment_a)
    seen = refresh(assessment_a).version
    workflow.assessment_start_appraisal(user=appraiser, assessment_id=assessment_a.pk)
    with pytest.raises(ValidationError):
        workflow.assessment_withdraw(user=officer_a, assessment_id=assessment_a.pk, expected_version=seen)


def test_submit_after_the_deadline_needs_an_extension_and_is_marked_late(
    officer_a, admin_user, assessment_a, round_2021
):
    round_2021.self_deadline = timezone.now() - timedelta(days=1)
    round_2021.save()
    fill(officer_a, assessment_a)
    with pytest.raises(ValidationError, match="extension|gia hạn"):
        workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    workflow.assessment_grant_extension(
        user=admin_user, assessment_id=assessment_a.pk, kind="self", until=timezone.now() + timedelta(days=2)
    )
    a = workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    assert a.state == S.SUBMITTED and a.submitted_late
    assert AssessmentEvent.objects.filter(assessment=a, action="extend_self", actor=admin_user).exists()


def test_only_admins_grant_extensions(officer_a, appraiser, assessment_a):
    for user in (officer_a, appraiser):
        with pytest.raises(PermissionDenied):
            workflow.assessment_grant_extension(
                user=user, assessment_id=assessment_a.pk, kind="self", until=timezone.now() + timedelta(days=1)
            )


def test_withdraw_before_appraisal_returns_to_draft(officer_a, assessment_a):
    submitted(officer_a, assessment_a)
    assert workflow.assessment_withdraw(user=officer_a, assessment_id=assessment_a.pk).state == S.DRAFT


def test_withdraw_after_appraisal_started_is_refused(officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    with pytest.raises(ValidationError):
        workflow.assessment_withdraw(user=officer_a, assessment_id=assessment_a.pk)


def test_appraisal_starts_from_the_units_inputs(officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    for s in LeafScore.objects.filter(assessment=assessment_a):
        assert (s.app_inputs, s.app_points) == (s.self_inputs, s.self_points)


def test_full_round_with_explanations_then_finalisation(
    officer_a, appraiser, admin_user, assessment_a, django_capture_on_commit_callbacks
):
    explanation_requested(officer_a, appraiser, assessment_a, "1.1.2")
    assert refresh(assessment_a).state == S.EXPLANATION_REQUESTED
    # the officer may change only the flagged leaf
    with pytest.raises(ValidationError):
        save_self(officer_a, assessment_a, "1.1.1", {"level": "1"})
    save_self(
        officer_a,
        assessment_a,
        "1.1.2",
        {"numerator": "5", "denominator": "5"},
        explanation="Đã hoàn thành 5/5 nhiệm vụ",
    )
    workflow.assessment_respond(user=officer_a, assessment_id=assessment_a.pk)
    assert refresh(assessment_a).state == S.EXPLAINED
    a = workflow.assessment_resume_appraisal(user=appraiser, assessment_id=assessment_a.pk)
    assert a.state == S.IN_APPRAISAL and a.appraisal_round == 2
    save_app(appraiser, assessment_a, "1.1.2", {"numerator": "5", "denominator": "5"}, note="Chấp nhận giải trình")
    workflow.assessment_complete(user=appraiser, assessment_id=assessment_a.pk)
    received = []

    def listener(sender, round_id, assessment_id, **kwargs):
        received.append((round_id, assessment_id))

    signals.assessment_finalised.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            workflow.assessment_finalise(user=admin_user, assessment_id=assessment_a.pk)
    finally:
        signals.assessment_finalised.disconnect(listener)
    assert received == [(assessment_a.round_id, assessment_a.pk)]
    actions = list(AssessmentEvent.objects.filter(assessment=assessment_a).values_list("action", flat=True))
    assert actions == [
        "submit",
        "start_appraisal",
        "request_explanations",
        "respond",
        "resume_appraisal",
        "complete",
        "finalise",
    ]


def test_request_explanations_needs_a_flagged_leaf(officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    with pytest.raises(ValidationError):
        workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment_a.pk)


def test_flag_needs_a_request_text(officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    with pytest.raises(ValidationError) as exc:
        save_app(appraiser, assessment_a, "1.1.1", flagged=True, flag_request=" ")
    assert "flag_request" in exc.value.message_dict


def test_respond_needs_an_explanation_for_every_flagged_leaf(officer_a, appraiser, assessment_a):
    explanation_requested(officer_a, appraiser, assessment_a)
    with pytest.raises(ValidationError, match="1.1.2"):
        workflow.assessment_respond(user=officer_a, assessment_id=assessment_a.pk)


def test_respond_after_the_explanation_deadline_needs_an_extension(
    officer_a, appraiser, admin_user, assessment_a, round_2021
):
    explanation_requested(officer_a, appraiser, assessment_a)
    save_self(officer_a, assessment_a, "1.1.2", explanation="Giải trình")
    round_2021.explanation_deadline = timezone.now() - timedelta(hours=1)
    round_2021.save()
    with pytest.raises(ValidationError):
        workflow.assessment_respond(user=officer_a, assessment_id=assessment_a.pk)
    workflow.assessment_grant_extension(
        user=admin_user, assessment_id=assessment_a.pk, kind="explanation", until=timezone.now() + timedelta(days=1)
    )
    a = workflow.assessment_respond(user=officer_a, assessment_id=assessment_a.pk)
    assert a.state == S.EXPLAINED and a.explained_late


def test_complete_needs_a_note_where_points_differ(officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    with pytest.raises(ValidationError) as exc:
        save_app(appraiser, assessment_a, "1.1.1", {"level": "1"})
    assert "app_note" in exc.value.message_dict
    s = save_app(appraiser, assessment_a, "1.1.1", {"level": "1"}, note="Kế hoạch ban hành muộn 10 ngày")
    assert s.app_points == Decimal("1.00") and s.self_points == Decimal("2.00")  # self inputs untouched


def test_na_claim_is_confirmed_or_rejected_and_must_be_decided_before_completion(officer_a, appraiser, assessment_a):
    fill(officer_a, assessment_a)
    save_self(officer_a, assessment_a, "1.2", {}, na=True, na_reason="Năm 2021 không có sáng kiến")
    workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    workflow.assessment_start_appraisal(user=appraiser, assessment_id=assessment_a.pk)
    with pytest.raises(ValidationError, match="1.2"):
        workflow.assessment_complete(user=appraiser, assessment_id=assessment_a.pk)
    with pytest.raises(ValidationError) as exc:  # rejecting needs inputs and a note
        save_app(appraiser, assessment_a, "1.2", {"points": "0.5"}, na_decision="rejected")
    assert "app_note" in exc.value.message_dict
    save_app(appraiser, assessment_a, "1.2", {}, na_decision="confirmed")
    a = workflow.assessment_complete(user=appraiser, assessment_id=assessment_a.pk)
    assert a.state == S.APPRAISED


def test_na_is_refused_on_a_leaf_that_does_not_allow_it(officer_a, assessment_a):
    with pytest.raises(ValidationError) as exc:
        save_self(officer_a, assessment_a, "1.1.1", {}, na=True, na_reason="x")
    assert "na" in exc.value.message_dict


def test_finalise_all_finalises_every_appraised_assessment(
    officer_a, officer_b, appraiser, admin_user, assessment_a, assessment_b, round_2021
):
    appraised(officer_a, appraiser, assessment_a)
    submitted(officer_b, assessment_b)
    done = workflow.assessments_finalise_appraised(user=admin_user, round=round_2021)
    assert [a.pk for a in done] == [assessment_a.pk]
    assert refresh(assessment_a).state == S.FINALISED and refresh(assessment_b).state == S.SUBMITTED


def test_reopen_needs_a_reason_and_returns_to_appraisal(
    officer_a, appraiser, admin_user, assessment_a, django_capture_on_commit_callbacks
):
    finalised(officer_a, appraiser, admin_user, assessment_a)
    with pytest.raises(ValidationError):
        workflow.assessment_reopen(user=admin_user, assessment_id=assessment_a.pk, reason="  ")
    received = []
    signals.assessment_reopened.connect(
        lambda sender, **kw: received.append(kw["assessment_id"]), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            a = workflow.assessment_reopen(
                user=admin_user, assessment_id=assessment_a.pk, reason="Hội đồng yêu cầu xem lại"
            )
    finally:
        signals.assessment_reopened.disconnect(dispatch_uid="t")
    assert a.state == S.IN_APPRAISAL and received == [assessment_a.pk]
    assert AssessmentEvent.objects.get(assessment=a, action="reopen").comment == "Hội đồng yêu cầu xem lại"


def test_reopen_with_a_long_reason_keeps_it_whole_in_the_event_and_short_in_the_history(
    officer_a, appraiser, admin_user, assessment_a
):
    finalised(officer_a, appraiser, admin_user, assessment_a)
    reason = "Hội đồng yêu cầu xem lại " * 20
    a = workflow.assessment_reopen(user=admin_user, assessment_id=assessment_a.pk, reason=reason)
    assert AssessmentEvent.objects.get(assessment=a, action="reopen").comment == reason.strip()
    latest = a.history.latest().history_change_reason
    assert latest.startswith("reopen: Hội đồng") and len(latest) <= 100


def test_nothing_changes_after_finalisation(officer_a, appraiser, admin_user, assessment_a):
    finalised(officer_a, appraiser, admin_user, assessment_a)
    with pytest.raises(ValidationError):
        save_self(officer_a, assessment_a, "1.1.1", {"level": "0"})
    with pytest.raises(ValidationError):
        save_app(appraiser, assessment_a, "1.1.1", {"level": "0"}, note="x")
    for action in ("submit", "withdraw", "respond"):
        with pytest.raises(ValidationError):
            workflow.SERVICES[action](user=officer_a, assessment_id=assessment_a.pk)
    for action in ("start_appraisal", "request_explanations", "resume_appraisal", "complete"):
        with pytest.raises(ValidationError):
            workflow.SERVICES[action](user=appraiser, assessment_id=assessment_a.pk)
    with pytest.raises(ValidationError):
        workflow.assessment_finalise(user=admin_user, assessment_id=assessment_a.pk)
    from tests.assessments.factories import pdf

    with pytest.raises(ValidationError):
        evidence_upload(
            user=officer_a,
            assessment_id=assessment_a.pk,
            node_id=leaf(assessment_a, "1.2").pk,
            uploaded=pdf("x.pdf", b"%PDF-1.4 late"),
        )
    with pytest.raises(ValidationError):
        workflow.assessment_grant_extension(
            user=admin_user, assessment_id=assessment_a.pk, kind="self", until=timezone.now() + timedelta(days=1)
        )


@pytest.mark.parametrize(
    ("action", "state_builder", "wrong_users"),
    [
        ("submit", fill, ("officer_b", "appraiser", "leader", "admin_user")),
        ("withdraw", submitted, ("officer_b", "appraiser", "leader", "admin_user")),
        ("start_appraisal", submitted, ("officer_a", "leader")),
        ("complete", "in_appraisal", ("officer_a", "leader")),
        ("request_explanations", "in_appraisal", ("officer_a", "leader", "officer_b")),
        ("finalise", "appraised", ("officer_a", "appraiser", "leader")),
    ],
)
def test_transitions_refuse_the_wrong_role(
    request, action, state_builder, wrong_users, officer_a, appraiser, assessment_a
):
    if state_builder == "in_appraisal":
        in_appraisal(officer_a, appraiser, assessment_a)
    elif state_builder == "appraised":
        appraised(officer_a, appraiser, assessment_a)
    else:
        state_builder(officer_a, assessment_a)
    before = refresh(assessment_a).state
    for name in wrong_users:
        with pytest.raises(PermissionDenied):
            workflow.SERVICES[action](user=request.getfixturevalue(name), assessment_id=assessment_a.pk)
    assert refresh(assessment_a).state == before


def test_reopen_respond_and_round_two_refuse_the_wrong_role(
    officer_a, officer_b, appraiser, leader, admin_user, assessment_a
):
    explanation_requested(officer_a, appraiser, assessment_a)
    save_self(officer_a, assessment_a, "1.1.2", explanation="Giải trình")
    for user in (officer_b, appraiser, leader):
        with pytest.raises(PermissionDenied):
            workflow.assessment_respond(user=user, assessment_id=assessment_a.pk)
    workflow.assessment_respond(user=officer_a, assessment_id=assessment_a.pk)
    for user in (officer_a, leader):
        with pytest.raises(PermissionDenied):
            workflow.assessment_resume_appraisal(user=user, assessment_id=assessment_a.pk)
    for user in (officer_a, appraiser, leader):
        with pytest.raises(PermissionDenied):
            workflow.assessment_reopen(user=user, assessment_id=assessment_a.pk, reason="x")


@pytest.mark.parametrize(
    ("action", "user"),
    [
        ("withdraw", "officer_a"),
        ("start_appraisal", "appraiser"),
        ("request_explanations", "appraiser"),
        ("respond", "officer_a"),
        ("resume_appraisal", "appraiser"),
        ("complete", "appraiser"),
        ("finalise", "admin_user"),
    ],
)
def test_transitions_refuse_the_wrong_state(request, action, user, assessment_a):
    with pytest.raises(ValidationError):
        workflow.SERVICES[action](user=request.getfixturevalue(user), assessment_id=assessment_a.pk)
    assert refresh(assessment_a).state == S.DRAFT


def test_leader_cannot_write_anything(leader, officer_a, appraiser, assessment_a):
    with pytest.raises(PermissionDenied):
        save_self(leader, assessment_a, "1.1.1")
    in_appraisal(officer_a, appraiser, assessment_a)
    with pytest.raises(PermissionDenied):
        save_app(leader, assessment_a, "1.1.1")


def test_appraiser_never_changes_self_inputs(appraiser, officer_a, assessment_a):
    with pytest.raises(PermissionDenied):
        save_self(appraiser, assessment_a, "1.1.1")
    assert not LeafScore.objects.filter(
        assessment=assessment_a, node=leaf(assessment_a, "1.1.1"), self_inputs__isnull=False
    ).exists()
