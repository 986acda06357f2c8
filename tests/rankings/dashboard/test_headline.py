"""Dashboard headline figures: each group's average index, and the units that moved in their group's ranking
since the previous round's published results, with arrows."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rankings.dashboard.selectors import board_for_run, headline_for
from rankings.models import UnitResult

pytestmark = pytest.mark.django_db


def test_group_averages_and_movers_against_the_previous_round(world):
    board = board_for_run(run=world["runs"][2021])
    headline = headline_for(board, movers=100)
    now = list(UnitResult.objects.filter(run=world["runs"][2021]))
    before = {r.unit_id: r for r in UnitResult.objects.filter(run=world["runs"][2020])}
    for avg in headline.averages:
        mine = [r.index_pct for r in now if r.group_id == avg.group.pk]
        assert avg.units == len(mine)
        assert abs(avg.average_pct - sum(mine) / len(mine)) <= Decimal("0.005")
    expected_up = {r.unit_id for r in now if r.unit_id in before and before[r.unit_id].rank > r.rank}
    expected_down = {r.unit_id for r in now if r.unit_id in before and before[r.unit_id].rank < r.rank}
    assert {m.unit.pk for m in headline.up} == expected_up
    assert {m.unit.pk for m in headline.down} == expected_down
    assert expected_up or expected_down  # the seeds move someone
    assert all(m.places > 0 for m in headline.up) and all(m.places < 0 for m in headline.down)
    assert headline.previous_round.year == 2020


def test_the_first_round_has_averages_but_no_movers(world):
    headline = headline_for(board_for_run(run=world["runs"][2019]))
    assert headline.previous_round is None and headline.up == [] and headline.down == []
    assert headline.averages


def test_dashboard_shows_the_headline_with_arrows(world, leader, client_for):
    html = client_for(leader).get(reverse("dashboard:round", args=[2021])).content.decode()
    assert 'id="headline"' in html and "Tăng hạng so với 2020" in html
    assert ("▲" in html and "tăng" in html) or ("▼" in html and "giảm" in html)
