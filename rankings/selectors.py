"""Reads of index runs and results, scoped to what the user may see."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404

from assessments.models import Level, RankingGroup, Round, Unit
from parindex import permissions as can
from rankings.models import IndexRun, NodeResult, RunStatus, UnitResult


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
        latest = max(
            (r for r in mine if r.status == RunStatus.SUCCEEDED), key=lambda r: (r.finished_at, r.pk), default=None
        )
        active = next((r for r in mine if r.status in (RunStatus.PENDING, RunStatus.RUNNING)), None)
        if not staff:
            latest = active = None
        if published is None and latest is None and active is None and not staff:
            continue
        out.append(
            RoundOverview(
                round=rnd,
                published=published,
                latest=latest,
                active=active,
                latest_is_newer=bool(latest and (published is None or latest.pk != published.pk)),
            )
        )
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
    results = list(
        run.results.select_related("unit", "group").order_by(
            "group__display_order", "group_id", "rank", "display_order", "unit__code"
        )
    )
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
    return unit, breakdowns_for(results)


def run_get(*, user, run_id: int) -> IndexRun:
    """A run's status page: admins and appraisers only."""
    if not can.can_see_provisional(user):
        raise PermissionDenied
    run = IndexRun.objects.select_related("round", "started_by", "published_by").filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


# --- Per-node figures (NodeResult rows) ------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def breakdowns_for(results: Iterable[UnitResult]) -> list[UnitResult]:
    """Attach each result's breakdown (domains and criteria, in framework order), read in one query.

    The shape, with Decimal values as strings: {"domains": [{"node_id", "code", "name", "points", "max",
    "pct", "lost"}], "criteria": [{... the same and "parent_id"}]}; "pct" is None where nothing below the
    node is applicable. ``UnitResult.breakdown`` returns it.
    """
    results = list(results)
    by_id = {r.pk: r for r in results}
    for r in results:
        r.__dict__["_breakdown"] = {"domains": [], "criteria": []}
    rows = (
        NodeResult.objects.filter(result_id__in=by_id, node__level__in=(Level.DOMAIN, Level.CRITERION))
        .order_by("result_id", "node__order", "node_id")
        .values_list(
            "result_id",
            "node_id",
            "node__parent_id",
            "node__level",
            "node__code",
            "node__name",
            "points",
            "max_points",
            "pct",
        )
    )
    for result_id, node_id, parent_id, level, code, name, points, max_points, pct in rows:
        entry = {
            "node_id": node_id,
            "code": code,
            "name": name,
            "points": _text(points),
            "max": _text(max_points),
            "pct": _text(pct),
            "lost": _text(max_points - points),
        }
        if level == Level.DOMAIN:
            by_id[result_id].__dict__["_breakdown"]["domains"].append(entry)
        else:
            by_id[result_id].__dict__["_breakdown"]["criteria"].append({**entry, "parent_id": parent_id})
    return results


def breakdown_of(result: UnitResult) -> dict:
    """One result's breakdown (see breakdowns_for): read once, then kept on the instance."""
    if "_breakdown" not in result.__dict__:
        breakdowns_for([result])
    return result.__dict__["_breakdown"]


def domain_pct_sums(*, runs: Iterable[IndexRun], group_id: int | None = None) -> dict[tuple, tuple[Decimal, int]]:
    """{(run id, group id, domain code): (sum of domain %, units)} over the units where the domain is
    applicable, aggregated in SQL; the caller divides and rounds (a mean is shown, never stored)."""
    rows = NodeResult.objects.filter(result__run__in=list(runs), node__level=Level.DOMAIN, applicable=True)
    if group_id is not None:
        rows = rows.filter(result__group_id=group_id)
    grouped = rows.values_list("result__run_id", "result__group_id", "node__code").annotate(
        total=Sum("pct"), units=Count("id")
    )
    return {(run_id, group, code): (total, units) for run_id, group, code, total, units in grouped.order_by()}
