"""Restore drill: dump the demo with the README's command, restore it into an empty database, compare.

Uses the PostgreSQL client programs (pg_dump, pg_restore, createdb, dropdb) exactly as the README's
"Operations" section documents them.
"""

import os
import shutil
import subprocess

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Tables whose every row must come back identical (the published figures and what they come from).
RESULT_TABLES = [
    "rankings_indexrun",
    "rankings_unitresult",
    "surveys_surveyunitresult",
    "surveys_surveyleafresult",
    "assessments_leafscore",
    "assessments_assessment",
    "assessments_node",
    "assessments_evidencefile",
]


def pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432), "PGUSER": db["USER"]}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def run(*args: str) -> None:
    subprocess.run(args, env=pg_env(), check=True, capture_output=True, timeout=300)


def tables(conn) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    ).fetchall()
    return sorted(r[0] for r in rows)


def snapshot(conn) -> tuple[dict[str, int], dict[str, list]]:
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables(conn)}
    rows = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall() for t in RESULT_TABLES}
    return counts, rows


def test_demo_dumped_and_restored_into_an_empty_database_is_identical(require_postgres, tmp_path):
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is missing: install postgresql-client (.ci/run does)")
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", stdout=quiet)
        # As DEMO.md says: the open round is computed and published by this command (results to compare).
        call_command("compute_index", round=2021, publish=True, reason="Diễn tập sao lưu, phục hồi", stdout=quiet)
    source = settings.DATABASES["default"]["NAME"]
    target = f"{source}_restore"
    dump = tmp_path / "parindex.dump"
    # The README's commands.
    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source)
    run("dropdb", "--if-exists", target)
    run("createdb", target)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump))
        with psycopg.connect(dbname=source, **_conninfo()) as src, psycopg.connect(dbname=target, **_conninfo()) as dst:
            src_counts, src_rows = snapshot(src)
            dst_counts, dst_rows = snapshot(dst)
    finally:
        connection.close()
        run("dropdb", "--if-exists", target)
    assert src_counts["rankings_unitresult"] > 0, "the demo should include computed results"
    assert dst_counts == src_counts
    for table in RESULT_TABLES:
        assert dst_rows[table] == src_rows[table], f"{table} differs after restore"


def _conninfo() -> dict:
    db = settings.DATABASES["default"]
    info = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db.get("PASSWORD"):
        info["password"] = db["PASSWORD"]
    return info
