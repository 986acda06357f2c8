"""Two people acting at the same moment on PostgreSQL: the row lock lets exactly one of them through."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessments.models import AssessmentEvent, LeafScore
from assessments.services import workflow
from assessments.services.scores import StaleEdit, score_save_self
from tests.assessments.factories import fill, leaf


def _race(*calls):
    """Run the calls in parallel threads (each with its own connection); return their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.services
def test_simultaneous_double_submit_applies_once(require_postgres, transactional_db, officer_a, assessment_a):
    fill(officer_a, assessment_a)
    assessment_a.refresh_from_db()
    v = assessment_a.version
    outcomes = _race(*[lambda: workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk, expected_version=v)] * 2)
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert AssessmentEvent.objects.filter(assessment=assessment_a, action="submit").count() == 1


@pytest.mark.services
def test_simultaneous_edits_of_one_leaf_keep_one_and_refuse_the_other(require_postgres, transactional_db, officer_a, assessment_a):
    node = leaf(assessment_a, "1.1.2")

    def save(n):
        return lambda: score_save_self(
            user=officer_a, assessment_id=assessment_a.pk, node_id=node.pk, expected_version=0,
            inputs={"numerator": n, "denominator": 4},
        )

    outcomes = _race(save(1), save(3))
    assert sum(isinstance(o, StaleEdit) for o in outcomes) == 1
    score = LeafScore.objects.get(assessment=assessment_a, node=node)
    assert score.version == 1 and score.history.count() == 1
