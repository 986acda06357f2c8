"""Time the result pages against /healthz (issue 13, "Measured").

    .venv/bin/python bench/pages.py [--repeat 15]          # SQLite, or DATABASE_URL=postgres://... for PostgreSQL

Creates the test database (as the test suite does), builds two rounds of 28 units with published runs and the
2021 official report already made (as publication makes it), then requests each page ``--repeat`` times on
its own through Django's test client as a leader: the dashboard, a unit profile, the results (ranking) page,
the old results URL (redirect) and the cached PDF download. Prints one JSON line: the median milliseconds of
each page, of /healthz, and each page's ratio to /healthz (the target: at most 5).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def _median_ms(client: Client, url: str, repeat: int, *, stream: bool = False) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        if stream:
            b"".join(response.streaming_content)
        assert response.status_code in (200, 301, 302), (url, response.status_code)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from rankings import reports
    from tests.factories import UserFactory
    from tests.rankings.dashboard.factories import make_run, make_sipas, make_world

    w = make_world(years=(2020, 2021), departments=18, districts=10)
    for rnd in w["rounds"]:
        run = make_run(round=rnd, seed=rnd.year)
    make_sipas(round=w["rounds"][-1], units=w["units"])
    report = reports.report_request(run=run, language="vi")
    reports.report_build(report_id=report.pk)
    leader = UserFactory(username="bench_leader", is_leader=True)
    client = Client()
    client.force_login(leader)
    client.get("/healthz")  # warm up
    unit_id = w["units"][0].pk
    pages = {
        "dashboard": "/dashboard/2021/",
        "unit_profile": f"/dashboard/2021/units/{unit_id}/",
        "ranking": "/dashboard/2021/ranking/",
        "results": "/results/2021/",
    }
    for url in pages.values():
        client.get(url)  # warm up templates and caches
    health = _median_ms(client, "/healthz", args.repeat)
    out = {
        "bench": "pages",
        "db": connection.vendor,
        "units": len(w["units"]),
        "repeat": args.repeat,
        "healthz_ms": round(health, 2),
    }
    for name, url in pages.items():
        ms = _median_ms(client, url, args.repeat)
        out[f"{name}_ms"], out[f"{name}_ratio"] = round(ms, 2), round(ms / health, 2)
    client.get("/dashboard/2021/report.pdf")
    ms = _median_ms(client, "/dashboard/2021/report.pdf", args.repeat, stream=True)
    out["pdf_cached_ms"], out["pdf_cached_ratio"] = round(ms, 2), round(ms / health, 2)
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
