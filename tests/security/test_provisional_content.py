"""Content checks: a leader's and an officer's pages and exports never show a provisional figure.

The world (tests/security/world.py) has a published 2021 run and a newer run that is not published. Here
the newer run is given figures found nowhere else (unit A at 43,21 %), then every page of the
authorisation matrix that a leader or an officer may open is read (with and without the query strings
that ask for the latest run) and searched for them. The same pages read by an appraiser or an
administrator asking for the latest run do show them: the control that the search can find them.
"""

import io
import zipfile

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from rankings.models import UnitResult
from tests.security.authorization_matrix import MATRIX, OK
from tests.security.world import World

pytestmark = pytest.mark.django_db

PROVISIONAL_PCT, PROVISIONAL_TOTAL = "43.21", "4.32"
MARKERS = ("43,21", "43.21", "4,32", "4.32")
QUERIES = ("", "?view=latest", "?run=provisional")
GET_PAGES = sorted(
    name for name, route in MATRIX.items() if route.get["leader"] == OK or route.get["officer_own"] == OK
)


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):  # xlsx: read every part of the archive
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())
    return body.decode("utf-8", "ignore") + response.get("Content-Disposition", "")


def _provisional(world: World) -> None:
    UnitResult.objects.filter(run=world.run_unpublished, unit=world.unit_a).update(
        index_pct=PROVISIONAL_PCT,
        total=PROVISIONAL_TOTAL,
    )


def _read(world: World, role: str, name: str, query: str):
    client = Client()
    client.force_login(world.user(role))
    return client.get(reverse(name, kwargs=MATRIX[name].kwargs(world)) + query)


@pytest.mark.parametrize("role", ["leader", "officer_own"])
def test_leaders_and_officers_never_see_provisional_figures(world, role):
    leaks = []
    with transaction.atomic():
        _provisional(world)
        for name in GET_PAGES:
            if MATRIX[name].get[role] != OK:
                continue
            for query in QUERIES:
                text = _text(_read(world, role, name, query))
                found = [m for m in MARKERS if m in text]
                if found:
                    leaks.append(f"{name}{query}: {found}")
                if "export" in name or name.startswith("api:result"):
                    # downloads name the run they were made from: the published one
                    assert f"run{world.run_unpublished.pk}." not in text, name
        transaction.set_rollback(True)
    assert not leaks, leaks


@pytest.mark.parametrize("role", ["appraiser", "admin"])
def test_home_affairs_asking_for_the_latest_run_see_it(world, role):
    """The control: the markers are found where provisional figures are meant to be shown."""
    with transaction.atomic():
        _provisional(world)
        texts = [
            _text(_read(world, role, "dashboard:ranking", "?run=provisional")),
            _text(_read(world, role, "dashboard:round", "?run=provisional")),
        ]
        transaction.set_rollback(True)
    assert all(any(m in t for m in MARKERS) for t in texts)
