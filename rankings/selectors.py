"""Reads of index runs and results, scoped to what the user may see."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessments.models import RankingGroup, Round, Unit
from parindex import permissions as can
from rankings.models import IndexRun, RunStatus, UnitResult


def run_latest_published(*, round: Round) -> IndexRun | None:
    return IndexRun.objects.filter(round=round, is_published=True).order_by("-published_at", "-id").first()


def run_latest_succeeded(*, round: Round) -> IndexRun | None:
    return IndexRun.objects.filter(round=round, status=RunStatus.SUCCEEDED).order_by("-finished_at", "-id").first()


def run_for(*, user, round: Round, provisional: bool = False) -> IndexRun | None:
    """The run of the round the user reads: the latest published one; with ``provisional`` those who may see
    provisional results (parindex.permissions.can_see_provisional) get the latest succeeded run instead."""
    if provisional and can.can_see_provisional(user, round):
        return run_latest_succeeded(round=round)
    return run_latest_published(round=round)


# --- Result pages -------------------------------------------------------------------------------



def _require_reader(user) -> None:
    """Leaders, appraisers and admins read every result; officers the ranking and their own unit's result."""
    if not can.can_read_ranking(user):
        raise PermissionDenied


@dataclass
class RoundOverview:
    round: Round
    published: IndexRun | None
    latest: IndexRun | None  # latest succeeded run, shown to admins and appraisers only
    active: IndexRun | None  # a run waiting or computing
    latest_is_newer: bool = False


def round_overviews_for(*, user) -> list[RoundOverview]:
    _require_reader(user)
    rounds = list(Round.objects.order_by("-year"))
    runs = list(IndexRun.objects.filter(round__in=rounds).order_by("-created_at", "-id"))
    out = []
    staff = can.can_see_provisional(user)
    for rnd in rounds:
        mine = [r for r in runs if r.round_id == rnd.pk]
        published = max((r for r in mine if r.is_published), key=lambda r: (r.published_at, r.pk), default=None)
        latest = max((r for r in mine if r.status == RunStatus.SUCCEEDED), key=lambda r: (r.finished_at, r.pk), default=None)
        active = next((r for r in mine if r.status in (RunStatus.PENDING, RunStatus.RUNNING)), None)
        if not staff:
            latest = active = None
        if published is None and latest is None and active is None and not staff:
            continue
        out.append(RoundOverview(round=rnd, published=published, latest=latest, active=active,
                                 latest_is_newer=bool(latest and (published is None or latest.pk != published.pk))))
    return out


def round_by_year(*, year: int) -> Round:
    """The round of a year (404 when there is none): every result page and the API find their round here."""
    rnd = Round.objects.filter(year=year).first()
    if rnd is None:
        raise Http404
    return rnd


@dataclass
class GroupTable:
    group: RankingGroup
    results: list[UnitResult]


@dataclass
class Ranking:
    round: Round
    run: IndexRun
    published: IndexRun | None
    is_provisional: bool
    groups: list[GroupTable] = field(default_factory=list)
    changes: dict[int, dict] = field(default_factory=dict)  # unit_id → what moved against the published run


def ranking_for(*, user, round: Round, provisional: bool = False) -> Ranking | None:
    """The round's ranking tables as the user may see them (None when nothing is visible yet)."""
    _require_reader(user)
    published = run_latest_published(round=round)
    run = run_for(user=user, round=round, provisional=provisional)
    if run is None:
        return None
    results = list(run.results.select_related("unit", "group").order_by("group__display_order", "group_id", "rank",
                                                                           "display_order", "unit__code"))
    groups: list[GroupTable] = []
    for res in results:
        if not groups or groups[-1].group.pk != res.group_id:
            groups.append(GroupTable(group=res.group, results=[]))
        groups[-1].results.append(res)
    is_provisional = published is None or run.pk != published.pk
    ranking = Ranking(round=round, run=run, published=published, is_provisional=is_provisional, groups=groups)
    if is_provisional and published is not None:
        ranking.changes = run_changes(run=run, against=published)
    for res in results:
        res.change = ranking.changes.get(res.unit_id)
    return ranking


def run_changes(*, run: IndexRun, against: IndexRun) -> dict[int, dict]:
    """Units whose points, rank or band differ between two runs (or that appear in only one)."""
    fields = ("unit_id", "total", "index_pct", "rank", "band")
    old = {r[0]: r for r in UnitResult.objects.filter(run=against).values_list(*fields)}
    changes: dict[int, dict] = {}
    for unit_id, total, pct, rank, band in UnitResult.objects.filter(run=run).values_list(*fields):
        before = old.get(unit_id)
        if before is None:
            changes[unit_id] = {"new": True}
            continue
        moved = {}
        if before[1] != total:
            moved["total"] = before[1]
        if before[2] != pct:
            moved["index_pct"] = before[2]
        if before[3] != rank:
            moved["rank"] = before[3]
        if before[4] != band:
            moved["band"] = before[4]
        if moved:
            changes[unit_id] = moved
    return changes


def _unit_for(*, user, unit_id: int) -> Unit:
    _require_reader(user)
    unit = Unit.objects.select_related("group").filter(pk=unit_id).first()
    if unit is None or not can.can_read_unit_results(user, unit):
        # Another unit's result is not found, for officers: its existence is not revealed either.
        raise Http404
    return unit


def unit_result_for(*, user, round: Round, unit_id: int, provisional: bool = False) -> tuple[Unit, UnitResult | None]:
    unit = _unit_for(user=user, unit_id=unit_id)
    run = run_for(user=user, round=round, provisional=provisional)
    result = None
    if run is not None:
        result = UnitResult.objects.select_related("run", "group").filter(run=run, unit=unit).first()
    return unit, result


def unit_history_for(*, user, unit_id: int, provisional: bool = False) -> tuple[Unit, list[UnitResult]]:
    """The unit's result in every round that has a visible run, newest first, for side-by-side reading."""
    unit = _unit_for(user=user, unit_id=unit_id)
    results = []
    for rnd in Round.objects.order_by("-year"):
        run = run_for(user=user, round=rnd, provisional=provisional)
        if run is None:
            continue
        res = UnitResult.objects.select_related("run", "run__round", "group").filter(run=run, unit=unit).first()
        if res is not None:
            results.append(res)
    return unit, results


def run_get(*, user, run_id: int) -> IndexRun:
    """A run's status page: admins and appraisers only."""
    if not can.can_see_provisional(user):
        raise PermissionDenied
    run = IndexRun.objects.select_related("round", "started_by", "published_by").filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run
