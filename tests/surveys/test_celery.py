"""The preview of an upload runs in a real Celery worker over Redis (CI: CELERY_BROKER_URL=redis://…)."""

import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

import surveys.tasks  # noqa: F401 - registers the task with the app before the worker starts
from parindex.celery import app as celery_app
from surveys.models import SurveyImport
from surveys.services.imports import survey_import_create
from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes


@pytest.fixture
def real_worker(require_redis):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.mark.services
def test_upload_is_previewed_by_a_real_worker_with_progress(
    transactional_db, real_worker, round_2021, framework, assessment_a, admin_user, client
):
    sipas_question(round=round_2021, code="S1", element=1)
    rows = [form_row("SNV", f"F{i}", [5 if i % 4 else 2]) for i in range(12000)]
    imp = survey_import_create(
        round=round_2021,
        survey="sipas",
        fileobj=io.BytesIO(xlsx_bytes(header_for(["S1"]), rows)),
        name="lon.xlsx",
        user=admin_user,
    )
    client.force_login(admin_user)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        imp.refresh_from_db()
        if imp.status not in ("pending", "parsing"):
            break
        page = client.get(reverse("surveys:import_progress", args=[imp.pk]))
        assert page.status_code == 200
        time.sleep(0.2)
    assert imp.status == "preview", imp.error
    assert (imp.rows_total, imp.rows_valid, imp.progress_rows, imp.progress_percent) == (12000, 12000, 12000, 100)
    assert SurveyImport.objects.get(pk=imp.pk).responses.count() == 12000
