"""A Celery worker killed mid-task: the task is delivered again and completed by another worker."""

import os
import time
import uuid

import pytest
import redis

from tests.security.faults import CeleryWorker, wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


VISIBILITY_TIMEOUT = 2  # seconds (CELERY_VISIBILITY_TIMEOUT of the test's workers)


@pytest.fixture
def broker(require_redis):
    r = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    key = f"security-probe-{uuid.uuid4().hex}"
    yield r, key
    for k in r.scan_iter(f"{key}*"):
        r.delete(k)


def test_task_of_a_killed_worker_is_redelivered_and_completed(broker, tmp_path):
    from tests.security.celery_probe import app

    r, key = broker
    queue = key  # a queue of its own: nothing else on this Redis database is touched
    first = CeleryWorker(app="tests.security.celery_probe", queues=queue, visibility_timeout=VISIBILITY_TIMEOUT)
    first.start(tmp_path / "worker1.log")
    second = CeleryWorker(app="tests.security.celery_probe", queues=queue, visibility_timeout=VISIBILITY_TIMEOUT)
    try:
        app.send_task("security_probe.hold_until_released", args=[key], queue=queue)
        wait_for(lambda: r.get(f"{key}:deliveries") == b"1", timeout=30, what="the first worker to start the task")
        started = time.monotonic()
        first.kill()
        r.set(f"{key}:release", 1)
        assert not r.exists(f"{key}:done")
        # Unacknowledged (acks_late), the message goes back to the queue once its visibility timeout has
        # passed; a starting worker restores such messages at once (later only every few polls).
        time.sleep(max(0.0, started + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        second.start(tmp_path / "worker2.log")
        wait_for(lambda: r.exists(f"{key}:done"), timeout=40, what="the task to be redelivered and completed")
        assert r.get(f"{key}:deliveries") == b"2"
    except AssertionError:
        print(first.log()[-3000:], second.log()[-3000:])
        raise
    finally:
        first.stop()
        second.stop()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
