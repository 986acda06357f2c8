"""Simultaneous saves against PostgreSQL: no lost update, no duplicate transition.

Each test releases two real threads (own connections) at the same instant on committed data
(tests/security/faults.py ``run_concurrently``); the row locks of the services must serialise them,
and the version check must refuse the one that acted on what it saw before the other's save.
"""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AssessmentEvent, AssessmentState, LeafScore
from assessments.services import scores as score_services
from assessments.services import workflow
from assessments.services.scores import StaleEdit
from tests.assessments.factories import fill, in_appraisal, leaf
from tests.factories import UserFactory
from tests.security.faults import run_concurrently

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def outcomes(results) -> tuple[list, list]:
    ok = [r for r in results if not isinstance(r, Exception)]
    failed = [r for r in results if isinstance(r, Exception)]
    return ok, failed


def test_two_appraisers_saving_the_same_leaf_at_once_lose_no_update(
    require_postgres, officer_a, appraiser, assessment_a
):
    other = UserFactory(username="appraiser_2", is_appraiser=True)
    in_appraisal(officer_a, appraiser, assessment_a)
    node = leaf(assessment_a, "1.1.1")
    seen = LeafScore.objects.get(assessment=assessment_a, node=node).version

    def save(user, level, note):
        return lambda: score_services.score_save_appraisal(
            user=user,
            assessment_id=assessment_a.pk,
            node_id=node.pk,
            expected_version=seen,
            inputs={"level": level},
            note=note,
        )

    ok, failed = outcomes(run_concurrently(save(appraiser, "1", "Ban hành muộn"), save(other, "0", "Không ban hành")))
    assert len(ok) == 1 and len(failed) == 1
    assert isinstance(failed[0], StaleEdit)  # told that someone saved in between, with the current value
    score = LeafScore.objects.get(assessment=assessment_a, node=node)
    assert score.version == seen + 1
    assert score.app_inputs == ok[0].app_inputs  # the saved value is the one the winner was told was saved


def test_officer_saving_the_same_leaf_from_two_tabs_loses_no_update(require_postgres, officer_a, assessment_a):
    node = leaf(assessment_a, "1.1.2")

    def save(numerator):
        return lambda: score_services.score_save_self(
            user=officer_a,
            assessment_id=assessment_a.pk,
            node_id=node.pk,
            expected_version=0,
            inputs={"numerator": numerator, "denominator": "5"},
        )

    ok, failed = outcomes(run_concurrently(save("3"), save("4")))
    assert len(ok) == 1 and isinstance(failed[0], StaleEdit)
    score = LeafScore.objects.get(assessment=assessment_a, node=node)
    assert (score.version, score.self_inputs) == (1, ok[0].self_inputs)


def test_double_clicked_submit_moves_the_assessment_once(require_postgres, officer_a, assessment_a):
    fill(officer_a, assessment_a)
    assessment_a.refresh_from_db()
    version = assessment_a.version

    def submit():
        return workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk, expected_version=version)

    ok, failed = outcomes(run_concurrently(submit, submit))
    assert len(ok) == 1 and len(failed) == 1
    assert isinstance(failed[0], ValidationError)
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.SUBMITTED
    assert assessment_a.version == version + 1
    assert AssessmentEvent.objects.filter(assessment=assessment_a, to_state=AssessmentState.SUBMITTED).count() == 1


def test_four_simultaneous_uploads_of_the_same_survey_file_create_one_import(require_postgres, admin_user, round_2021):
    import io

    from surveys.models import SurveyImport
    from surveys.services.imports import ImportRefused, survey_import_create
    from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

    sipas_question(round=round_2021, code="S1", element=1)
    content = xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5])])

    def upload():
        return survey_import_create(
            round=round_2021,
            survey="sipas",
            fileobj=io.BytesIO(content),
            name="sipas.xlsx",
            user=admin_user,
            enqueue=False,
        )

    results = run_concurrently(upload, upload, upload, upload)
    created = [r for r in results if isinstance(r, SurveyImport)]
    refused = [r for r in results if isinstance(r, ImportRefused)]
    assert len(created) == 1 and len(refused) == 3, results
    assert SurveyImport.objects.filter(round=round_2021, survey="sipas").count() == 1
