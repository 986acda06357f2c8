"""The database refuses a write in the middle of an operation: nothing is half-written, the user is told.

Each operation writes several rows in one transaction; the fault hits one of the later writes
(tests/security/faults.py). Everything the operation had already written must be gone, and a user
going through the page gets the 500 page saying that nothing was saved.
"""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AssessmentEvent, LeafScore
from assessments.services import scores as score_services
from rankings.models import IndexRun, RunStatus, UnitResult
from rankings.services import index_run_create, index_run_execute
from surveys.models import ImportStatus, SurveyImport, SurveyLeafResult, SurveyUnitResult
from surveys.services.imports import survey_import_confirm
from tests.security.faults import pg_refuse_inserts, refuse_inserts

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolled_back(world):
    """Each test's changes are undone, so the module's world stays as built."""
    with transaction.atomic():
        yield world
        transaction.set_rollback(True)


def test_submit_refused_by_the_database_leaves_the_draft_and_shows_what_happened(rolled_back):
    w = rolled_back
    client = Client(raise_request_exception=False)
    client.force_login(w.user("officer_own"))
    before = Assessment.objects.values_list("state", "version").get(pk=w.assessment_a.pk)
    events = AssessmentEvent.objects.filter(assessment=w.assessment_a).count()
    url = reverse("assessments:transition", kwargs={"pk": w.assessment_a.pk, "action": "submit"})
    # The state change and its history row are written before the timeline event that is refused.
    with refuse_inserts("assessments_assessmentevent") as fault:
        response = client.post(url, {"version": before[1]})
    assert fault["seen"] == 1
    assert response.status_code == 500
    assert "chưa lưu gì cả" in response.content.decode()  # "nothing was saved"
    assert Assessment.objects.values_list("state", "version").get(pk=w.assessment_a.pk) == before
    assert AssessmentEvent.objects.filter(assessment=w.assessment_a).count() == events


def test_score_save_refused_by_the_database_keeps_the_previous_inputs(rolled_back):
    w = rolled_back
    before = LeafScore.objects.values_list("self_inputs", "self_points", "version").get(pk=w.score_a.pk)
    with refuse_inserts("assessments_historicalleafscore"), pytest.raises(DatabaseError, match="refused"):
        score_services.score_save_self(
            user=w.user("officer_own"), assessment_id=w.assessment_a.pk, node_id=w.leaf.pk,
            expected_version=before[2], inputs={"level": "0"},
        )
    assert LeafScore.objects.values_list("self_inputs", "self_points", "version").get(pk=w.score_a.pk) == before


def test_survey_confirmation_refused_half_way_leaves_the_import_in_review_and_no_results(rolled_back):
    w = rolled_back
    assert w.survey_import.status == ImportStatus.PREVIEW
    # Unit figures are written first, then the per-leaf points: the fault hits the second step.
    with refuse_inserts("surveys_surveyleafresult") as fault, pytest.raises(DatabaseError, match="refused"):
        survey_import_confirm(import_id=w.survey_import.pk, user=w.user("admin"), accept_invalid=True)
    imp = SurveyImport.objects.get(pk=w.survey_import.pk)
    assert fault["seen"] >= 1
    assert (imp.status, imp.is_current) == (ImportStatus.PREVIEW, False)
    assert not SurveyUnitResult.objects.filter(survey_import=imp).exists()
    assert not SurveyLeafResult.objects.filter(survey_import=imp).exists()


def test_index_run_refused_while_writing_results_fails_whole_and_publishes_nothing(rolled_back):
    w = rolled_back
    published_before = IndexRun.objects.filter(is_published=True).values_list("pk", flat=True).get(round=w.round)
    run, _ = index_run_create(round=w.round, user=w.user("admin"), enqueue=False)
    # PostgreSQL writes results with COPY: a trigger refuses it inside the database itself.
    fault = pg_refuse_inserts("rankings_unitresult", after=0) if connection.vendor == "postgresql" else (
        refuse_inserts("rankings_unitresult"))
    # COPY goes through psycopg directly, so its error is psycopg's own rather than Django's wrapper.
    with fault, pytest.raises((DatabaseError, psycopg.Error), match="refused"):
        index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    # Admins read a sentence with a log reference, never the database's own message.
    assert "mã tham chiếu" in run.error and "refused" not in run.error
    assert not UnitResult.objects.filter(run=run).exists()
    assert IndexRun.objects.filter(is_published=True).values_list("pk", flat=True).get(round=w.round) == published_before
