"""Load benchmark: gunicorn on loopback, PostgreSQL, the demo plus past rounds, concurrent users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parindex .venv/bin/python bench/load.py --users 50 --duration 60

Creates a bench-only database (the DATABASE_URL's name + "_bench"), migrates it, loads the demo, adds
past rounds until there are four (copies of the frameworks through the framework copy service, scores,
index runs computed and published through the rankings services) and opens every 2021 assessment in
draft with one officer account per unit. It then serves the project with gunicorn (production
settings, several workers) on a free loopback port and drives simulated users for a fixed time:

- officers saving scores of their own unit (each save's value is remembered and checked against the
  database at the end: ``lost_writes``),
- appraisers opening the queue and assessments,
- leaders opening dashboards, rankings and unit profiles and downloading exports,
- a minimal Django view (/healthz) on the same server as the baseline.

The database is dropped at the end. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-mat-khau-2021"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAST_ROUNDS = 4


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def bench_url(base_url: str) -> tuple[str, str]:
    parts = urlsplit(base_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL")
    name = parts.path.lstrip("/") + "_bench"
    return urlunsplit(parts._replace(path="/" + name)), name


def psql_admin(base_url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(base_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


# --- data set-up (runs in this process, against the bench database) -----------------------------------------
def setup_data(units_per_officer_pool: int) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from assessments.models import (
        Assessment,
        AssessmentState,
        Framework,
        LeafScore,
        Node,
        Round,
        RoundStatus,
        Source,
        Unit,
    )
    from assessments.services.frameworks import framework_copy
    from parindex.models import User
    from rankings.models import IndexRun
    from rankings.services import index_run_create, index_run_execute, index_run_publish

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", stdout=quiet)
    admin = User.objects.filter(is_superuser=True).first()
    years = sorted(Round.objects.values_list("year", flat=True))
    current = max(years)
    rng = random.Random(2021)
    # Past rounds until there are four, copied from the earliest one through the copy service.
    earliest = Round.objects.get(year=min(years))
    while Round.objects.filter(year__lt=current).count() < PAST_ROUNDS:
        year = Round.objects.order_by("year").first().year - 1
        rnd = Round.objects.create(year=year, title=f"Chỉ số CCHC năm {year}", status=RoundStatus.CLOSED)
        for fw in Framework.objects.filter(round=earliest):
            framework_copy(source=fw, round=rnd)
    units = list(Unit.objects.all())
    for rnd in Round.objects.all():
        for unit in units:
            Assessment.objects.get_or_create(round=rnd, unit=unit, defaults={"group": unit.group})
    # Past rounds: finalised with appraised points on every self leaf, then computed and published.
    for rnd in Round.objects.filter(year__lt=current):
        if IndexRun.objects.filter(round=rnd, is_published=True).exists():
            continue
        leaves = {
            fw.group_id: list(Node.objects.filter(framework=fw, source=Source.SELF).leaves())
            for fw in Framework.objects.filter(round=rnd)
        }
        with transaction.atomic():
            scores = []
            for a in Assessment.objects.filter(round=rnd):
                for leaf in leaves.get(a.group_id, []):
                    if LeafScore.objects.filter(assessment=a, node=leaf).exists():
                        continue
                    pts = (leaf.max_points * Decimal(rng.randint(50, 100)) / 100).quantize(Decimal("0.25"))
                    pts = min(pts, leaf.max_points)
                    scores.append(LeafScore(assessment=a, node=leaf, self_points=pts, app_points=pts))
            LeafScore.objects.bulk_create(scores, batch_size=2000)
            Assessment.objects.filter(round=rnd).update(state=AssessmentState.FINALISED)
        run, _ = index_run_create(round=rnd, user=admin, enqueue=False)
        index_run_execute(run_id=run.pk)
        run.refresh_from_db()
        index_run_publish(run=run, user=admin, confirmed=True, reason="benchmark data")
    # The open round: every unit in draft, one officer per unit (accounts bench_<code>).
    cur = Round.objects.get(year=current)
    cur.status = RoundStatus.OPEN
    cur.save(update_fields=["status"])
    Assessment.objects.filter(round=cur).update(state=AssessmentState.DRAFT)
    hashed = make_password(PASSWORD)
    officers = []
    for unit in units:
        user, _ = User.objects.get_or_create(
            username=f"bench_{unit.code.lower()}", defaults={"is_officer": True, "unit": unit, "password": hashed}
        )
        officers.append(user.username)
    for name, flags in (("bench_appraiser", {"is_appraiser": True}), ("bench_leader", {"is_leader": True})):
        User.objects.update_or_create(username=name, defaults={**flags, "password": hashed})
    # What officers may save: the levels leaves of each 2021 assessment, with their current version.
    targets = []
    for a in Assessment.objects.filter(round=cur).select_related("unit"):
        fw = Framework.objects.get(round=cur, group=a.group_id)
        for leaf in Node.objects.filter(framework=fw, source=Source.SELF, rule="levels").leaves():
            n_levels = len((leaf.params or {}).get("levels") or [])
            if n_levels:
                score = LeafScore.objects.filter(assessment=a, node=leaf).first()
                targets.append(
                    {
                        "officer": f"bench_{a.unit.code.lower()}",
                        "assessment": a.pk,
                        "leaf": leaf.pk,
                        "levels": n_levels,
                        "version": score.version if score else 0,
                    }
                )
    published_years = sorted(
        IndexRun.objects.filter(is_published=True).values_list("round__year", flat=True).distinct()
    )
    return {
        "officers": officers,
        "targets": targets,
        "assessments": list(Assessment.objects.filter(round=cur).values_list("pk", flat=True)),
        "round_id": cur.pk,
        "published_years": published_years,
        "unit_ids": [u.pk for u in units],
    }


def check_lost_writes(saved: dict[tuple[int, int], str]) -> int:
    from assessments.models import LeafScore

    lost = 0
    for (assessment_id, leaf_id), level in saved.items():
        score = LeafScore.objects.filter(assessment_id=assessment_id, node_id=leaf_id).first()
        if score is None or str((score.self_inputs or {}).get("level")) != level:
            lost += 1
    return lost


# --- the server ----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "parindex.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    sys.exit("gunicorn did not start")


# --- simulated users -------------------------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def record(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[kind].append(ms)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: {detail}")


class Browser:
    """A requests session that keeps cookies marked Secure over plain HTTP (production settings on loopback)."""

    def __init__(self, base: str, stats: Stats):
        self.base, self.stats, self.http = base, stats, requests.Session()
        self.jar: dict[str, str] = {}

    def request(self, kind: str, method: str, path: str, expect=(200,), **kw):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items()), **kw.pop("headers", {})}
        t = time.perf_counter()
        try:
            r = self.http.request(method, self.base + path, headers=headers, allow_redirects=False, timeout=60, **kw)
        except requests.RequestException as exc:
            self.stats.record(kind, (time.perf_counter() - t) * 1000, False, repr(exc))
            return None
        ms = (time.perf_counter() - t) * 1000
        for c in r.cookies:
            self.jar[c.name] = c.value
        ok = r.status_code in expect
        self.stats.record(kind, ms, ok, f"{method} {path} → {r.status_code}")
        return r if ok else None

    def csrf(self) -> str:
        return self.jar.get("csrftoken", "")

    def login(self, username: str) -> bool:
        page = self.request("login", "GET", "/accounts/login/")
        if page is None:
            return False
        token = CSRF_RE.search(page.text).group(1)
        r = self.request(
            "login",
            "POST",
            "/accounts/login/",
            expect=(302,),
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        return r is not None


VERSION_RE = re.compile(r'name="s\d+-version" value="(\d+)"')


def officer(browser: Browser, username: str, mine: list[dict], saved: dict, saved_lock, stop: threading.Event, rng):
    """Works through leaves of its unit as the autosaving form does: on each leaf a burst of one to three
    changes, each saved after the form's pause (about a second of "typing"), the next one based on the version
    the saved fragment answered. Each leaf has one writer, whose version count is therefore exact."""
    if not browser.login(username):
        return
    if not mine:
        return
    browser.request("officer_page", "GET", f"/assessments/{mine[0]['assessment']}/")
    while not stop.is_set():
        t = rng.choice(mine)
        for _change in range(rng.randint(1, 3)):
            if stop.wait(rng.uniform(0.9, 2.5)):  # typing, then the autosave's debounce
                return
            level = str(rng.randrange(t["levels"]))
            prefix = f"s{t['leaf']}"
            r = browser.request(
                "officer_save",
                "POST",
                f"/assessments/{t['assessment']}/leaves/{t['leaf']}/self/",
                data={f"{prefix}-version": t["version"], f"{prefix}-level": level},
                headers={"HX-Request": "true", "X-CSRFToken": browser.csrf(), "Referer": browser.base + "/"},
            )
            if r is not None and ("Saved." in r.text or "Đã lưu" in r.text):
                found = VERSION_RE.search(r.text)
                t["version"] = int(found.group(1)) if found else t["version"] + 1
                with saved_lock:
                    saved[(t["assessment"], t["leaf"])] = level
            elif r is not None:
                browser.stats.record("officer_save_refused", 0, False, r.text[:200])


def appraiser(browser: Browser, data: dict, stop: threading.Event, rng):
    if not browser.login("bench_appraiser"):
        return
    while not stop.is_set():
        browser.request("appraiser_queue", "GET", f"/assessments/rounds/{data['round_id']}/")
        browser.request("appraiser_review", "GET", f"/assessments/{rng.choice(data['assessments'])}/")


def leader(browser: Browser, data: dict, stop: threading.Event, rng):
    if not browser.login("bench_leader"):
        return
    years = data["published_years"]
    while not stop.is_set():
        year = rng.choice(years)
        browser.request("dashboard", "GET", f"/dashboard/{year}/")
        browser.request("ranking", "GET", f"/dashboard/{year}/ranking/")
        browser.request("unit_profile", "GET", f"/dashboard/{year}/units/{rng.choice(data['unit_ids'])}/")
        if rng.random() < 0.3:
            browser.request("trends", "GET", "/dashboard/trends/")
        if rng.random() < 0.3:
            browser.request("export_xlsx", "GET", f"/dashboard/{year}/export.xlsx")
        if rng.random() < 0.2:
            browser.request("export_csv", "GET", f"/dashboard/{year}/export.csv")
        if rng.random() < 0.05:
            browser.request("export_pdf", "GET", f"/dashboard/{year}/report.pdf")


def baseline(browser: Browser, stop: threading.Event):
    """/healthz on its own thread and connection, paced, so it measures the server and is never starved."""
    while not stop.is_set():
        browser.request("baseline", "GET", "/healthz")
        time.sleep(0.05)


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    url, name = bench_url(base_url)
    log(f"creating database {name}")
    psql_admin(base_url, f'DROP DATABASE IF EXISTS "{name}"')
    psql_admin(base_url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    sys.path.insert(0, str(ROOT))
    server = None
    try:
        t0 = time.monotonic()
        data = setup_data(args.users)
        log(
            f"data ready in {time.monotonic() - t0:.0f}s: {len(data['officers'])} officer accounts, "
            f"{len(data['targets'])} leaves to save, published years {data['published_years']}"
        )
        static_root = tempfile.mkdtemp(prefix="parindex-bench-static-")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": static_root,
            "AXES_FAILURE_LIMIT": "1000",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads)
        base = f"http://127.0.0.1:{port}"
        stats, stop = Stats(), threading.Event()
        saved: dict = {}
        saved_lock = threading.Lock()
        n_officers = max(1, args.users * 6 // 10)
        n_appraisers = max(1, args.users * 2 // 10)
        n_leaders = max(1, args.users - n_officers - n_appraisers)
        # More simulated officers than units: a unit's leaves are shared out between its officers' tabs.
        officers = [data["officers"][i % len(data["officers"])] for i in range(n_officers)]
        sharing = defaultdict(list)
        for i, username in enumerate(officers):
            sharing[username].append(i)
        threads = []
        for i, username in enumerate(officers):
            peers = sharing[username]
            unit_targets = [t for t in data["targets"] if t["officer"] == username]
            mine = [t for k, t in enumerate(unit_targets) if k % len(peers) == peers.index(i)]
            threads.append(
                threading.Thread(
                    target=officer,
                    args=(Browser(base, stats), username, mine, saved, saved_lock, stop, random.Random(i)),
                )
            )
        for i in range(n_appraisers):
            threads.append(
                threading.Thread(target=appraiser, args=(Browser(base, stats), data, stop, random.Random(100 + i)))
            )
        for i in range(n_leaders):
            threads.append(
                threading.Thread(target=leader, args=(Browser(base, stats), data, stop, random.Random(200 + i)))
            )
        threads.append(threading.Thread(target=baseline, args=(Browser(base, stats), stop)))
        log(
            f"{len(officers)} officers, {n_appraisers} appraisers, {n_leaders} leaders + baseline for {args.duration}s "
            f"on gunicorn {args.workers} workers × {args.threads} threads"
        )
        for t in threads:
            t.start()
        time.sleep(args.duration)
        stop.set()
        for t in threads:
            t.join(120)
        lost = check_lost_writes(saved)
        kinds = sorted(stats.times)
        summary = {
            "users": len(threads) - 1,
            "duration_s": args.duration,
            "gunicorn_workers": args.workers,
            "gunicorn_threads": args.threads,
            "cpus": os.cpu_count(),
            "requests": sum(len(v) for k, v in stats.times.items() if k != "officer_save_refused"),
            "errors": sum(stats.errors.values()),
            "pages": {
                k: {
                    "requests": len(stats.times[k]),
                    "errors": stats.errors.get(k, 0),
                    "p50_ms": pct(stats.times[k], 0.5),
                    "p95_ms": pct(stats.times[k], 0.95),
                    "per_s": round(len(stats.times[k]) / args.duration, 2),
                }
                for k in kinds
            },
            "baseline_p50_ms": pct(stats.times["baseline"], 0.5),
            "dashboard_p50_over_baseline": round(
                statistics.median(stats.times["dashboard"]) / max(statistics.median(stats.times["baseline"]), 0.001), 1
            )
            if stats.times.get("dashboard") and stats.times.get("baseline")
            else None,
            "saves_checked": len(saved),
            "lost_writes": lost,
            "error_samples": stats.samples,
        }
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            psql_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
