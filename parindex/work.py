"""Background work that survives its worker's death: attempts, heartbeats and the stale cut-off.

With ``acks_late`` and ``reject_on_worker_lost`` a task whose worker dies is delivered again; a file
that kills every worker reading it would be delivered for ever. So each task counts its attempts in the
row it works on and gives up after ``WORK_MAX_ATTEMPTS``; and while it runs, a thread of the worker
records a heartbeat every ``WORK_HEARTBEAT_SECONDS``, so a periodic sweep can fail work whose heartbeat
stopped ``WORK_STALE_AFTER_SECONDS`` ago, long before the broker's visibility timeout redelivers it.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, models
from django.utils import timezone

logger = logging.getLogger(__name__)


def stale_cutoff() -> datetime:
    """Work whose last heartbeat is older than this has lost its worker."""
    return timezone.now() - timedelta(seconds=settings.WORK_STALE_AFTER_SECONDS)


def attempts_exhausted(attempts: int) -> bool:
    return attempts > settings.WORK_MAX_ATTEMPTS


@contextmanager
def heartbeat(model: type[models.Model], pk: int, *, enabled: bool = True) -> Iterator[None]:
    """Record ``heartbeat_at`` on the row every WORK_HEARTBEAT_SECONDS while the block runs.

    The beat comes from a thread with its own database connection, so it keeps going while the task's
    own connection is busy (a long COPY); it dies with the worker process, which is what the sweep
    detects. Eagerly run tasks (tests, development) need no heartbeat: ``enabled=False``.
    """
    if not enabled:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.WORK_HEARTBEAT_SECONDS):
                try:
                    model._default_manager.filter(pk=pk).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("heartbeat of %s %s not recorded", model._meta.label, pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{model._meta.model_name}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(settings.WORK_HEARTBEAT_SECONDS + 30)
