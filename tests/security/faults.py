"""Fault injection for tests: a database that refuses a write, simultaneous requests, a worker that dies.

- ``refuse_inserts(table, after=n)``: the (n+1)-th INSERT into ``table`` on this connection fails with
  a database error, as a full disk or a lost connection would make it (works on SQLite and PostgreSQL).
- ``pg_refuse_inserts(table, after=n)``: the same inside PostgreSQL itself, a trigger raising once the
  table holds n rows, so it also hits writes made by other connections (threads, a Celery worker).
- ``run_concurrently(*callables)``: start callables in threads at the same instant (a barrier), each
  with its own database connection; returns their results or exceptions in order.
- ``CeleryWorker``: a real ``celery worker`` subprocess that can be SIGKILLed mid-task.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, connections

ROOT = Path(__file__).resolve().parents[2]


class RefusedWrite(OperationalError):
    """The error the injected fault raises: a subclass of the database's own OperationalError."""


@contextmanager
def refuse_inserts(table: str, *, after: int = 0) -> Iterator[dict[str, int]]:
    """Let ``after`` INSERT statements into ``table`` through, then refuse every further one.

    Yields a dict whose "seen" counts the INSERTs attempted, so a test can check the fault was reached.
    """
    pattern = re.compile(rf'^\s*INSERT\s+INTO\s+"?{re.escape(table)}"?[\s(]', re.IGNORECASE)
    state = {"seen": 0}

    def wrapper(execute, sql, params, many, context):
        if pattern.match(sql):
            state["seen"] += 1
            if state["seen"] > after:
                raise RefusedWrite(f"simulated fault: the database refused a write to {table}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield state


@contextmanager
def pg_refuse_inserts(table: str, *, after: int = 0) -> Iterator[None]:
    """A PostgreSQL trigger that refuses an insert into ``table`` once it holds ``after`` rows.

    Needs PostgreSQL. Under ``transactional_db`` the trigger is dropped on exit; under ``db`` the test's
    transaction rollback removes it too.
    """
    assert connection.vendor == "postgresql", "pg_refuse_inserts needs PostgreSQL"
    fn, trg = f"refuse_{table}_fn", f"refuse_{table}_trg"
    with connection.cursor() as cur:
        cur.execute(
            f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$
            BEGIN
              IF (SELECT count(*) FROM {table}) >= {int(after)} THEN
                RAISE EXCEPTION 'simulated fault: the database refused a write to {table}';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql"""
        )
        cur.execute(f"CREATE TRIGGER {trg} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP TRIGGER IF EXISTS {trg} ON {table}")
            cur.execute(f"DROP FUNCTION IF EXISTS {fn}()")


def run_concurrently(*calls: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run each callable in its own thread, released together; exceptions are returned, not raised.

    Each thread uses its own database connection (closed at the end), so with PostgreSQL and
    ``transactional_db`` the calls really race inside the database.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a concurrent call did not finish (deadlock?)"
    return results


def database_url() -> str:
    """DATABASE_URL of the database the tests use right now (the test database), for subprocesses."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class CeleryWorker:
    """``celery -A <app> worker`` in a subprocess, on the test database and the configured Redis.

    ``app`` defaults to the project (a test may give a module adding its own tasks). The worker runs one
    task at a time (solo pool) so that killing it kills the task mid-way.
    """

    def __init__(
        self,
        *,
        app: str = "parindex",
        queues: str = "celery",
        visibility_timeout: int = 2,
        extra_env: dict[str, str] | None = None,
    ):
        self.app, self.queues = app, queues
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "DJANGO_SETTINGS_MODULE": "parindex.settings",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def start(self, log_path: Path) -> "CeleryWorker":
        self.log_path = log_path
        log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                self.queues,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"fault-test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, the task's transaction dies with the connection."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
