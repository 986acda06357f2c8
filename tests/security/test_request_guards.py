"""NUL bytes in addresses, caching of signed-in responses and the statement timeout of web requests."""

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from parindex.security import StatementTimeoutMiddleware
from tests.rankings.dashboard.factories import make_run, make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "/api/rounds/2021/results/SNV%00/",  # public API, path
        "/api/rounds/2021/results/?group=department%00",  # public API, query
        "/surveys/2021/results/STP%00/",
        "/surveys/2021/results/?unit=%00",
    ],
)
def test_nul_byte_in_path_or_query_gets_a_400_page_in_vietnamese(client_for, admin_user, address):
    response = client_for(admin_user).get(address)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_addresses_without_nul_still_reach_their_views(client_for, admin_user):
    assert client_for(admin_user).get("/api/rounds/").status_code == 200


def test_signed_in_pages_and_exports_are_never_stored_by_caches(client_for, leader):
    world = make_world(years=(2021,), departments=2, districts=1)
    make_run(round=world["rounds"][0])
    client = client_for(leader)
    for url in (
        reverse("home"),
        reverse("dashboard:round", args=[2021]),
        reverse("dashboard:export_csv", args=[2021]),
        reverse("dashboard:export_xlsx", args=[2021]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_web_request_statements_are_cancelled_after_the_timeout(require_postgres, settings):
    settings.DB_STATEMENT_TIMEOUT_MS = 200

    def slow_view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return HttpResponse("done")

    with pytest.raises(OperationalError, match="statement timeout"):
        StatementTimeoutMiddleware(slow_view)(RequestFactory().get("/"))


def test_timeout_applies_to_the_request_only(require_postgres, settings):
    settings.DB_STATEMENT_TIMEOUT_MS = 1234
    seen = {}

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen["inside"] = cursor.fetchone()[0]
        return HttpResponse("ok")

    StatementTimeoutMiddleware(view)(RequestFactory().get("/"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        after = cursor.fetchone()[0]
    assert seen["inside"] == "1234ms"
    assert after == "0"  # workers and commands on the same connection settings are not limited
