"""Poison tasks give up after N attempts; dead work is swept; admins cancel and retry stuck work."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rankings import services as run_services
from rankings.models import IndexRun, RunStatus
from surveys.models import ImportStatus, SurveyImport, SurveyResponse
from surveys.services.imports import survey_import_create, survey_import_preview
from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=10)


@pytest.fixture
def pending_import(round_2021, assessment_a, admin_user):
    sipas_question(round=round_2021, code="S1", element=1)
    content = xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5]), form_row("SNV", "F2", [4])])
    return survey_import_create(
        round=round_2021, survey="sipas", fileobj=io.BytesIO(content), name="sipas.xlsx", user=admin_user, enqueue=False
    )


@pytest.fixture
def run(round_2021, assessment_a):
    run, _ = run_services.index_run_create(round=round_2021, enqueue=False)
    return run


def test_an_import_whose_every_attempt_killed_its_worker_is_failed_and_its_message_acknowledged(
    pending_import, settings
):
    # N deliveries each died mid-way (the row says so); the next one gives up instead of parsing again.
    SurveyImport.objects.filter(pk=pending_import.pk).update(
        status=ImportStatus.PARSING, attempts=settings.WORK_MAX_ATTEMPTS
    )
    imp = survey_import_preview(import_id=pending_import.pk)  # returns normally: the task is acknowledged
    assert imp.status == ImportStatus.FAILED and imp.attempts == settings.WORK_MAX_ATTEMPTS + 1
    assert "3 lần" in imp.error and not SurveyResponse.objects.filter(survey_import=imp).exists()
    assert imp.file  # kept, so an admin can retry
    # A further delivery does nothing at all.
    assert survey_import_preview(import_id=imp.pk).attempts == settings.WORK_MAX_ATTEMPTS + 1


def test_attempts_below_the_limit_are_counted_and_the_import_read(pending_import):
    imp = survey_import_preview(import_id=pending_import.pk)
    assert imp.status == ImportStatus.PREVIEW and imp.attempts == 1 and imp.heartbeat_at is not None


def test_a_run_whose_every_attempt_killed_its_worker_is_failed(run, settings):
    IndexRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=settings.WORK_MAX_ATTEMPTS)
    assert run_services.index_run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "3 lần" in run.error and not run.results.exists()


def test_sweep_fails_runs_and_imports_whose_heartbeat_stopped_and_leaves_live_ones(run, pending_import, round_2021):
    now = timezone.now()
    IndexRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=now - LONG_AGO, heartbeat_at=now - LONG_AGO
    )
    live = IndexRun.objects.create(
        round=round_2021, status=RunStatus.RUNNING, started_at=now - LONG_AGO, heartbeat_at=now
    )
    SurveyImport.objects.filter(pk=pending_import.pk).update(status=ImportStatus.PARSING, heartbeat_at=now - LONG_AGO)
    out = io.StringIO()
    call_command("sweep_stuck_work", stdout=out)
    run.refresh_from_db()
    live.refresh_from_db()
    imp = SurveyImport.objects.get(pk=pending_import.pk)
    assert run.status == RunStatus.FAILED and "ngừng" in run.error
    assert live.status == RunStatus.RUNNING
    assert imp.status == ImportStatus.FAILED and imp.file
    assert f"[{run.pk}]" in out.getvalue()


def test_cancelled_run_writes_nothing_when_its_worker_reaches_the_write(run, admin_user, monkeypatch):
    from rankings import computation

    real = computation.compute_round

    def compute_then_admin_cancels(**kwargs):
        result = real(**kwargs)
        run_services.index_run_cancel(run=run, user=admin_user)
        return result

    monkeypatch.setattr(run_services, "compute_round", compute_then_admin_cancels)
    run_services.index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and not run.results.exists()


def test_admin_cancels_and_retries_a_stuck_run_from_its_page_with_confirmation(
    run, admin_user, client_for, django_capture_on_commit_callbacks
):
    old = timezone.now() - LONG_AGO
    IndexRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=old, heartbeat_at=old)
    client = client_for(admin_user)
    page = client.get(reverse("rankings:run", kwargs={"run_id": run.pk})).content.decode()
    assert 'id="cancel-run-form"' in page and 'id="retry-run-form"' in page
    # Without the ticked box nothing happens.
    client.post(reverse("rankings:run_cancel", kwargs={"run_id": run.pk}))
    assert IndexRun.objects.get(pk=run.pk).status == RunStatus.RUNNING
    client.post(reverse("rankings:run_cancel", kwargs={"run_id": run.pk}), {"confirm": "on"})
    assert IndexRun.objects.get(pk=run.pk).status == RunStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rankings:run_retry", kwargs={"run_id": run.pk}), {"confirm": "on"})
    new = IndexRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("rankings:run", kwargs={"run_id": new.pk})
    assert new.status == RunStatus.SUCCEEDED  # eager here: computed at once


def test_appraiser_may_not_cancel_a_run(run, appraiser, client_for):
    response = client_for(appraiser).post(reverse("rankings:run_cancel", kwargs={"run_id": run.pk}), {"confirm": "on"})
    assert response.status_code == 403
    assert IndexRun.objects.get(pk=run.pk).status == RunStatus.PENDING


def test_admin_cancels_and_retries_a_stuck_import_from_its_page(
    pending_import, admin_user, client_for, django_capture_on_commit_callbacks
):
    SurveyImport.objects.filter(pk=pending_import.pk).update(
        status=ImportStatus.PARSING, heartbeat_at=timezone.now() - LONG_AGO
    )
    client = client_for(admin_user)
    page = client.get(reverse("surveys:import_detail", args=[pending_import.pk])).content.decode()
    assert 'id="cancel-running-form"' in page and 'id="retry-form"' in page
    client.post(reverse("surveys:import_retry", args=[pending_import.pk]))  # not confirmed
    assert SurveyImport.objects.get(pk=pending_import.pk).status == ImportStatus.PARSING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:import_retry", args=[pending_import.pk]), {"confirm": "on"})
    imp = SurveyImport.objects.get(pk=pending_import.pk)
    assert imp.status == ImportStatus.PREVIEW and imp.attempts == 1  # read again (eagerly here)


def test_admin_cancels_an_import_being_read(pending_import, admin_user, client_for):
    SurveyImport.objects.filter(pk=pending_import.pk).update(status=ImportStatus.PARSING, heartbeat_at=timezone.now())
    client = client_for(admin_user)
    client.post(reverse("surveys:import_cancel", args=[pending_import.pk]))
    assert SurveyImport.objects.get(pk=pending_import.pk).status == ImportStatus.PARSING
    client.post(reverse("surveys:import_cancel", args=[pending_import.pk]), {"confirm": "on"})
    assert SurveyImport.objects.get(pk=pending_import.pk).status == ImportStatus.CANCELLED
    # A worker still reading it finishes and stores nothing.
    SurveyImport.objects.filter(pk=pending_import.pk).update(status=ImportStatus.PARSING)
    from surveys.services import imports

    real_stage = imports.parse_and_stage

    def stage_then_cancelled(imp):
        result = real_stage(imp)
        SurveyImport.objects.filter(pk=imp.pk).update(status=ImportStatus.CANCELLED)
        return result

    imports.parse_and_stage = stage_then_cancelled
    try:
        imp = survey_import_preview(import_id=pending_import.pk)
    finally:
        imports.parse_and_stage = real_stage
    assert imp.status == ImportStatus.CANCELLED and not SurveyResponse.objects.filter(survey_import=imp).exists()
