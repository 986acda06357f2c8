"""Celery tasks of the rankings app: thin, they take ids and call a service."""

from celery import shared_task

from rankings import services


@shared_task(name="rankings.index_run")
def index_run_task(run_id: int) -> None:
    services.index_run_execute(run_id=run_id)
