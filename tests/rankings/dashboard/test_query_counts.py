"""Every dashboard page issues the same number of SQL queries with 28 units as with 300."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from tests.rankings.dashboard.factories import make_run, make_sipas, make_world

pytestmark = pytest.mark.django_db


def build(n_units: int):
    departments = n_units * 17 // 28
    w = make_world(years=(2020, 2021), departments=departments, districts=n_units - departments)
    for rnd in w["rounds"]:
        make_run(round=rnd, seed=rnd.year)
    make_sipas(round=w["rounds"][-1], units=w["units"])
    return w


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def page_counts(client, w) -> dict[str, int]:
    unit = w["units"][0]
    urls = {
        "dashboard": reverse("dashboard:round", args=[2021]),
        "ranking": reverse("dashboard:ranking", args=[2021]),
        "unit": reverse("dashboard:unit", args=[2021, unit.pk]),
        "trends": reverse("dashboard:trends"),
        "xlsx": reverse("dashboard:export_xlsx", args=[2021]),
        "csv": reverse("dashboard:export_csv", args=[2021]),
        "api_results": reverse("api:results", args=[2021]),
        "api_units": reverse("api:units"),
        "api_rounds": reverse("api:rounds"),
    }
    return {name: count_queries(client, url) for name, url in urls.items()}


def test_dashboard_pages_issue_a_fixed_number_of_queries_whatever_the_number_of_units(client):
    leader = UserFactory(username="lead", is_leader=True)
    client.force_login(leader)
    small = page_counts(client, build(28))
    from django.db import transaction

    # Start again with 300 units in fresh rows (same test, same transaction).
    from assessments.models import Assessment, Framework, RankingGroup, Round, Unit
    from rankings.models import IndexRun
    from surveys.models import SurveyImport

    with transaction.atomic():
        IndexRun.objects.all().delete()
        SurveyImport.objects.all().delete()
        Assessment.objects.all().delete()
        Framework.objects.all().delete()
        Round.objects.all().delete()
        Unit.objects.all().delete()
        RankingGroup.objects.all().delete()
    large = page_counts(client, build(300))
    assert small == large
    # 12 for the board, 3 for the year-on-year table (previous run, lineage links, previous indexes) and
    # 2 for the headline (group averages, movers since the previous round).
    assert small["dashboard"] <= 17, small
