"""Saving inputs: points derived, history kept, stale edits refused, bulk filling all or nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import LeafScore
from assessments.services.scores import SelfEntry, StaleEdit, score_save_self, scores_fill_self
from tests.assessments.factories import MINI_INPUTS, in_appraisal, leaf, save_app, save_self


def test_points_are_derived_from_inputs_and_history_keeps_each_change(officer_a, assessment_a):
    save_self(officer_a, assessment_a, "1.1.2", {"numerator": "1", "denominator": "4"})  # 1/4 × 2 = 0,50
    s = save_self(officer_a, assessment_a, "1.1.2", {"numerator": "3", "denominator": "4"})  # 3/4 × 2 = 1,50
    assert s.self_points == Decimal("1.50") and s.version == 2
    history = list(s.history.order_by("history_date").values_list("self_points", "history_user__username"))
    assert history == [(Decimal("0.50"), "officer_a"), (Decimal("1.50"), "officer_a")]


def test_stale_self_edit_is_refused_naming_the_current_value(officer_a, assessment_a):
    node = leaf(assessment_a, "1.1.1")
    save_self(officer_a, assessment_a, "1.1.1", {"level": "2"})
    with pytest.raises(StaleEdit) as exc:
        score_save_self(
            user=officer_a, assessment_id=assessment_a.pk, node_id=node.pk, expected_version=0, inputs={"level": "0"}
        )
    assert "Ban hành đúng hạn" in exc.value.messages[0] and "2,00" in exc.value.messages[0]
    assert LeafScore.objects.get(assessment=assessment_a, node=node).self_points == Decimal("2.00")


def test_stale_appraisal_edit_is_refused(officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    score = LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "2.1"))
    save_app(appraiser, assessment_a, "2.1", {"count": "2"}, note="Thêm 1 hồ sơ trễ hạn")
    from assessments.services.scores import score_save_appraisal

    with pytest.raises(StaleEdit):
        score_save_appraisal(
            user=appraiser,
            assessment_id=assessment_a.pk,
            node_id=score.node_id,
            expected_version=score.version,
            inputs={"count": "0"},
            note="x",
        )


def test_na_leaves_the_applicable_maximum(officer_a, assessment_a):
    from assessments.selectors import assessment_tree

    save_self(officer_a, assessment_a, "1.1.1")
    save_self(officer_a, assessment_a, "1.2", {}, na=True, na_reason="Không phát sinh sáng kiến")
    root = assessment_tree(assessment_a).root
    assert (root.self_total, root.self_max) == (Decimal("2.00"), Decimal("5.00"))  # 7 − 2 (N/A leaf 1.2)


def test_fill_self_writes_all_leaves_or_none(officer_a, assessment_a):
    entries = [
        SelfEntry(node_id=leaf(assessment_a, code).pk, inputs=inputs) for code, (inputs, _) in MINI_INPUTS.items()
    ]
    bad = entries[:-1] + [SelfEntry(node_id=leaf(assessment_a, "2.1").pk, inputs={"count": "-1"})]
    with pytest.raises(ValidationError, match="2.1"):
        scores_fill_self(user=officer_a, assessment_id=assessment_a.pk, entries=bad)
    assert not LeafScore.objects.filter(assessment=assessment_a).exists()
    scores_fill_self(user=officer_a, assessment_id=assessment_a.pk, entries=entries)
    assert sorted(LeafScore.objects.filter(assessment=assessment_a).values_list("self_points", flat=True)) == sorted(
        p for _, p in MINI_INPUTS.values()
    )
    with pytest.raises(ValidationError, match="already scored|đã được chấm"):
        scores_fill_self(user=officer_a, assessment_id=assessment_a.pk, entries=entries[:1])
