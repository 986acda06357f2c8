"""The project's Celery app plus one probe task, for the worker-loss tests (``celery -A tests.security.celery_probe``).

The probe records each delivery in Redis and then waits for the test to release it, so the test can
kill the worker while the task is provably running.
"""

import os
import time

import redis

from parindex.celery import app

__all__ = ["app", "hold_until_released"]


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])


@app.task(name="security_probe.hold_until_released")
def hold_until_released(key: str) -> None:
    r = _redis()
    r.incr(f"{key}:deliveries")
    deadline = time.monotonic() + 60
    while not r.exists(f"{key}:release") and time.monotonic() < deadline:
        time.sleep(0.05)
    r.set(f"{key}:done", 1)
