"""Two people acting at the same moment on PostgreSQL: the row lock lets exactly one of them through."""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AssessmentEvent, LeafScore
from assessments.services import workflow
from assessments.services.scores import StaleEdit, score_save_self
from tests.assessments.factories import fill, leaf
from tests.security.faults import run_concurrently


@pytest.mark.services
def test_simultaneous_double_submit_applies_once(require_postgres, transactional_db, officer_a, assessment_a):
    fill(officer_a, assessment_a)
    assessment_a.refresh_from_db()
    v = assessment_a.version
    outcomes = run_concurrently(
        *[lambda: workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk, expected_version=v)] * 2
    )
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert AssessmentEvent.objects.filter(assessment=assessment_a, action="submit").count() == 1


@pytest.mark.services
def test_simultaneous_edits_of_one_leaf_keep_one_and_refuse_the_other(
    require_postgres, transactional_db, officer_a, assessment_a
):
    node = leaf(assessment_a, "1.1.2")

    def save(n):
        return lambda: score_save_self(
            user=officer_a,
            assessment_id=assessment_a.pk,
            node_id=node.pk,
            expected_version=0,
            inputs={"numerator": n, "denominator": 4},
        )

    outcomes = run_concurrently(save(1), save(3))
    assert sum(isinstance(o, StaleEdit) for o in outcomes) == 1
    score = LeafScore.objects.get(assessment=assessment_a, node=node)
    assert score.version == 1 and score.history.count() == 1
