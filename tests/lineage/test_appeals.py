"""A complete appeal, worked through: lodged, decided, scores corrected through the audited path, a corrected
publication that keeps the first, and the register with the difference (rankings/appeals.py)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import LeafScore, Node
from assessments.services import scores as score_services
from assessments.services import workflow
from notifications.models import Notification
from rankings import appeals
from rankings.models import AppealState, IndexRun
from tests.lineage.helpers import _publish, appealable_round

D = Decimal


def test_ten_working_days_skip_the_weekends():
    # Published Friday 4 April 2025 → the 10th working day after is Friday 18 April 2025.
    friday = timezone.make_aware(datetime(2025, 4, 4, 10, 0))
    end = appeals.add_working_days(friday, 10)
    assert timezone.localtime(end).date().isoformat() == "2025-04-18"


@pytest.fixture
def published(round_2021, framework, department_group, admin_user, appraiser):
    return appealable_round(round_2021, department_group, admin_user)


def test_a_complete_appeal_leads_to_a_corrected_publication_keeping_the_first(
    published, admin_user, appraiser, django_capture_on_commit_callbacks
):
    b, officer = published["b"], published["officer_b"]
    node = Node.objects.get(framework__round=published["round"], framework__group=b.group, code="1.2")
    first = published["first"]
    ranks = {r.unit.code: (r.index_pct, r.rank) for r in first.results.select_related("unit")}
    # A: 10/10 = 100 %; C: 9,5/10 = 95 %; B: 9/10 = 90 %.
    assert ranks == {"A": (D("100.00"), 1), "C": (D("95.00"), 2), "B": (D("90.00"), 3)}

    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeals.appeal_lodge(
            user=officer,
            assessment_id=b.pk,
            node_ids=[node.pk],
            reason="Sáng kiến đã được công nhận, đề nghị chấm đủ 2 điểm.",
        )
    assert Notification.objects.filter(recipient=appraiser, verb="appeal_lodged").exists()

    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_decide(
            user=appraiser,
            appeal_id=appeal.pk,
            accept=True,
            reason="Quyết định công nhận sáng kiến có trước ngày chấm điểm.",
        )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.ACCEPTED and appeal.decided_by == appraiser
    assert Notification.objects.filter(recipient=officer, verb="appeal_decided").exists()
    with pytest.raises(ValidationError):  # decided once, for good
        appeals.appeal_decide(user=appraiser, appeal_id=appeal.pk, accept=False, reason="Xét lại")

    # The audited path: reopen (admin, reason), appraise 1.2 at 2, complete, finalise.
    workflow.assessment_reopen(user=admin_user, assessment_id=b.pk, reason=f"Chấp nhận khiếu nại #{appeal.pk}")
    score = LeafScore.objects.get(assessment=b, node=node)
    score_services.score_save_appraisal(
        user=appraiser, assessment_id=b.pk, node_id=node.pk, expected_version=score.version, inputs={"points": "2"}
    )
    workflow.assessment_complete(user=appraiser, assessment_id=b.pk)
    workflow.assessment_finalise(user=admin_user, assessment_id=b.pk)

    corrected = _publish(published["round"], admin_user)
    assert corrected.corrects_id == first.pk
    assert IndexRun.objects.get(pk=first.pk).is_published  # the first publication stays on record

    register = appeals.register_for(user=officer, round=published["round"])
    assert register.corrected and register.first.pk == first.pk and register.latest.pk == corrected.pk
    # B: 9 → 10 of 10 → 100 %, rank 3 → 1 (level with A); C: 95 % still, but rank 2 → 3 (1, 1, 3).
    changed = {r.unit.code: (ch, r.index_pct, r.rank) for r, ch in register.changed_rows}
    assert changed["B"][1:] == (D("100.00"), 1) and changed["B"][0]["index_pct"] == D("90.00")
    assert changed["C"][0] == {"rank": 2} and changed["C"][2] == 3


def test_an_officer_cannot_appeal_for_another_unit_or_after_the_period(published, officer_a):
    b, node_ids = (
        published["b"],
        list(Node.objects.filter(framework__round=published["round"], code="1.2").values_list("pk", flat=True)),
    )
    with pytest.raises(PermissionDenied):
        appeals.appeal_lodge(user=officer_a, assessment_id=b.pk, node_ids=node_ids, reason="x")
    late = timezone.now() + timezone.timedelta(days=30)
    with pytest.raises(ValidationError):
        appeals.appeal_lodge(user=published["officer_b"], assessment_id=b.pk, node_ids=node_ids, reason="x", now=late)


def test_only_home_affairs_decide(published, leader):
    b = published["b"]
    node = Node.objects.get(framework__round=published["round"], framework__group=b.group, code="1.2")
    appeal = appeals.appeal_lodge(user=published["officer_b"], assessment_id=b.pk, node_ids=[node.pk], reason="x")
    for user in (leader, published["officer_b"]):
        with pytest.raises(PermissionDenied):
            appeals.appeal_decide(user=user, appeal_id=appeal.pk, accept=True, reason="y")


def test_lodging_and_deciding_through_the_pages(published, appraiser, client):
    b, officer = published["b"], published["officer_b"]
    node = Node.objects.get(framework__round=published["round"], framework__group=b.group, code="1.2")
    client.force_login(officer)
    assert "lodge-appeal" in client.get(reverse("dashboard:appeals", args=[2021])).content.decode()
    response = client.post(reverse("dashboard:appeal_lodge", args=[2021]), {"nodes": [node.pk], "reason": "Đề nghị"})
    assert response.status_code == 302
    appeal = b.unit.appeals.get()
    client.force_login(appraiser)
    response = client.post(
        reverse("dashboard:appeal_decide", args=[appeal.pk]), {"decision": "reject", "reason": "Không có tài liệu mới"}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == AppealState.REJECTED
    page = client.get(reverse("dashboard:appeals", args=[2021])).content.decode()
    assert "Không có tài liệu mới" in page
