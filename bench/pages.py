"""Server-side page timings on the demo: each main page as its role sees it, against /healthz.

    .venv/bin/python bench/pages.py [--repeat 7]          # SQLite (a throw-away test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parindex_x .venv/bin/python bench/pages.py

Creates a test database (Django's test database machinery: the DATABASE_URL's name with "test_" before
it), loads the demo, signs each role in (Django's test client, no network), renders every page a few
times and prints one JSON line: per page the best and median ms, the HTML bytes, the number of queries
and the median's ratio to /healthz's median. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        result = measure(args.repeat, CaptureQueriesContext)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(result, ensure_ascii=False))


def measure(repeat: int, capture) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from assessments.models import Assessment, Round, RoundStatus
    from parindex.models import User

    with open(os.devnull, "w") as quiet:
        call_command("load_demo", stdout=quiet)
    users = {u.username: u for u in User.objects.all()}
    current = (
        Round.objects.filter(status=RoundStatus.OPEN).order_by("-year").first()
        or Round.objects.order_by("-year").first()
    )
    officer = users["canbo_stp"]
    own = Assessment.objects.get(round=current, unit_id=officer.unit_id)
    waiting = (
        Assessment.objects.filter(round=current).exclude(state__in=["draft", "finalised"]).first()
        or Assessment.objects.filter(round=current).first()
    )
    published = Round.objects.filter(index_runs__is_published=True).order_by("-year").first() or current
    pages = [
        ("healthz", None, reverse("healthz")),
        ("officer_assessment", "canbo_stp", reverse("assessments:detail", args=[own.pk])),
        ("appraiser_assessment", "thamdinh", reverse("assessments:detail", args=[waiting.pk])),
        ("appraiser_queue", "thamdinh", reverse("assessments:queue", args=[current.pk])),
        ("dashboard", "lanhdao", reverse("dashboard:round", args=[published.year])),
        ("unit_profile", "lanhdao", reverse("dashboard:unit", args=[published.year, own.unit_id])),
        ("results", "lanhdao", reverse("rankings:round", args=[published.year])),  # redirects: followed
        ("report_pdf", "lanhdao", reverse("dashboard:export_pdf", args=[published.year])),
    ]
    out: dict = {"bench": "pages", "database": connection.vendor, "repeat": repeat, "pages": {}}
    for name, username, url in pages:
        client = Client()
        if username:
            client.force_login(users[username])
        client.get(url, follow=True)  # warm: templates, caches (the PDF is cached after its first rendering)
        times, size, queries, status = [], 0, 0, 0
        for _ in range(repeat):
            with capture(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url, follow=True)
                body = b"".join(response) if response.streaming else response.content
                times.append((time.perf_counter() - start) * 1000)
            size, queries, status = len(body), len(ctx.captured_queries), response.status_code
        out["pages"][name] = {
            "url": url,
            "status": status,
            "best_ms": round(min(times), 2),
            "median_ms": round(statistics.median(times), 2),
            "bytes": size,
            "queries": queries,
        }
    base = out["pages"]["healthz"]["median_ms"] or 0.01
    for page in out["pages"].values():
        page["ratio_to_healthz"] = round(page["median_ms"] / base, 1)
    return out


if __name__ == "__main__":
    main()
