"""Celery tasks of the surveys app: thin, they take ids and call a service."""

from celery import shared_task

from surveys.services.imports import survey_import_preview


@shared_task(name="surveys.import_preview")
def survey_import_preview_task(import_id: int) -> None:
    survey_import_preview(import_id=import_id)
