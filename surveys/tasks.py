"""Celery tasks of the surveys app: thin, they take ids and call a service."""

from celery import shared_task

from parindex.work import heartbeat
from surveys.models import SurveyImport
from surveys.services.imports import survey_import_preview


@shared_task(name="surveys.import_preview", bind=True)
def survey_import_preview_task(self, import_id: int) -> None:
    with heartbeat(SurveyImport, import_id, enabled=not self.request.is_eager):
        survey_import_preview(import_id=import_id, isolated=not self.request.is_eager)
