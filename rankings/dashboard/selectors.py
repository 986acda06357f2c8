"""Reads behind the leaders' dashboards, unit profiles, trends and exports.

Every function takes the user and returns only what that user may see. Each issues a fixed number of
queries whatever the number of units: results are read in one query and aggregated in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404

from assessments.models import RankingGroup, Round, Unit
from parindex import permissions as can
from rankings.lineage import lineage_read, node_values_last_year
from rankings.models import IndexRun, RunStatus, UnitResult
from rankings.selectors import breakdowns_for, domain_pct_sums, run_for, run_latest_published
from rankings.warnings import warnings_line
from surveys.models import SurveyKind, SurveyUnitResult

TWO = Decimal("0.01")
SIPAS_ELEMENTS = ("1", "2", "3", "4", "5")


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None and value != "" else Decimal(0)


def opt_dec(value) -> Decimal | None:
    return Decimal(str(value)) if value is not None and value != "" else None


# --- runs --------------------------------------------------------------------------------------


def rounds_with_published_results() -> list[Round]:
    return list(Round.objects.filter(index_runs__is_published=True).distinct().order_by("-year"))


def rounds_for(user) -> list[Round]:
    """Rounds the user can open: with published results, and for admins also those with a computed run."""
    runs = Q(index_runs__is_published=True)
    if can.can_see_provisional(user):
        runs |= Q(index_runs__status=RunStatus.SUCCEEDED)
    return list(Round.objects.filter(runs).distinct().order_by("-year"))


def latest_published_runs() -> dict[int, IndexRun]:
    """The latest published run of every round, keyed by round id (one query)."""
    runs: dict[int, IndexRun] = {}
    for run in IndexRun.objects.filter(is_published=True).select_related("round").order_by("-published_at", "-id"):
        runs.setdefault(run.round_id, run)
    return runs


# --- dashboard ---------------------------------------------------------------------------------


@dataclass
class Row:
    result: UnitResult
    domains: list[dict]
    criteria: list[dict]
    sipas: dict[str, Decimal | None]
    band_index: int

    @property
    def unit(self) -> Unit:
        return self.result.unit

    @property
    def notes(self) -> str:
        """Warnings of the result in one line (not-measured surveys, provisional appraisal...)."""
        return warnings_line(self.result.warnings)

    @property
    def survey_points(self) -> Decimal:
        """Điểm điều tra XHH: civil-servant survey and SIPAS points together."""
        return self.result.cs_points + self.result.sipas_points

    def domain_pct(self, code: str) -> Decimal | None:
        for d in self.domains:
            if d["code"] == code:
                return d["pct"]
        return None


@dataclass
class GroupBoard:
    group: RankingGroup
    rows: list[Row]
    domains: list[tuple[str, str]]  # (code, name) in framework order
    band_counts: list[tuple[str, int, int]]  # (label, band index, count)
    losing_criteria: list[dict]  # code, name, lost, max, units
    domain_avgs: dict[str, Decimal] = field(default_factory=dict)
    movers: list[dict] = field(default_factory=list)  # year on year, through lineage: see year_on_year()

    @property
    def warned_rows(self) -> list[Row]:
        return [r for r in self.rows if r.result.warnings]


@dataclass
class Board:
    round: Round
    run: IndexRun
    bands: list[dict]
    groups: list[GroupBoard]
    sipas_measured: bool

    @property
    def provisional(self) -> bool:
        return not self.run.is_published


def _parse_breakdown(breakdown: dict) -> tuple[list[dict], list[dict]]:
    # pct is null where nothing was applicable (max 0): kept as None, shown as "–", left out of averages.
    domains = [
        {**d, "points": dec(d.get("points")), "max": dec(d.get("max")), "pct": opt_dec(d.get("pct"))}
        for d in (breakdown or {}).get("domains", [])
    ]
    criteria = []
    for c in (breakdown or {}).get("criteria", []):
        points, mx = dec(c.get("points")), dec(c.get("max"))
        lost = dec(c["lost"]) if c.get("lost") not in (None, "") else mx - points
        criteria.append({**c, "points": points, "max": mx, "pct": opt_dec(c.get("pct")), "lost": lost})
    # A domain scored as a whole (e.g. SIPAS) has no criteria: it counts as one so its lost points show.
    parents = {c.get("parent_id") for c in criteria}
    codes = {c.get("code") for c in criteria}
    for d in domains:
        if d.get("node_id") not in parents and d["code"] not in codes:
            criteria.append({**d, "parent_id": None, "lost": d["max"] - d["points"]})
    return domains, criteria


def band_index(bands: list[dict], label: str) -> int:
    for i, b in enumerate(bands):
        if b.get("label") == label:
            return i
    return len(bands) - 1


def sipas_elements_for_round(*, round: Round) -> dict[int, dict[str, Decimal | None]]:
    """Element % per unit from the current confirmed SIPAS import (one query)."""
    rows = SurveyUnitResult.objects.filter(
        survey_import__round=round, survey_import__survey=SurveyKind.SIPAS, survey_import__is_current=True
    ).values_list("unit_id", "element_pct")
    return {
        unit_id: {k: (dec(v) if v not in (None, "") else None) for k, v in (pcts or {}).items()}
        for unit_id, pcts in rows
    }


def _results(run: IndexRun):
    return breakdowns_for(
        UnitResult.objects.filter(run=run)
        .select_related("unit", "group")
        .order_by("group__display_order", "group__code", "rank", "display_order", "unit__code")
    )


def _build_rows(run: IndexRun, bands: list[dict], sipas: dict) -> list[Row]:
    rows = []
    for r in _results(run):
        domains, criteria = _parse_breakdown(r.breakdown)
        rows.append(
            Row(
                result=r,
                domains=domains,
                criteria=criteria,
                sipas=sipas.get(r.unit_id, {}),
                band_index=band_index(bands, r.band),
            )
        )
    return rows


def _group_boards(rows: list[Row], bands: list[dict], top_criteria: int = 10) -> list[GroupBoard]:
    by_group: dict[int, list[Row]] = defaultdict(list)
    groups: dict[int, RankingGroup] = {}
    for row in rows:
        by_group[row.result.group_id].append(row)
        groups[row.result.group_id] = row.result.group
    boards = []
    for gid, grows in by_group.items():
        domains: dict[str, str] = {}
        sums: dict[str, list[Decimal]] = defaultdict(list)
        lost: dict[str, dict] = {}
        for row in grows:
            for d in row.domains:
                domains.setdefault(d["code"], d["name"])
                if d["pct"] is not None:
                    sums[d["code"]].append(d["pct"])
            for c in row.criteria:
                entry = lost.setdefault(
                    c["code"], {"code": c["code"], "name": c["name"], "lost": Decimal(0), "max": Decimal(0), "units": 0}
                )
                entry["lost"] += c["lost"]
                entry["max"] += c["max"]
                if c["lost"] > 0:
                    entry["units"] += 1
        counts = [(b["label"], i, sum(1 for r in grows if r.band_index == i)) for i, b in enumerate(bands)]
        losing = sorted((e for e in lost.values() if e["lost"] > 0), key=lambda e: (-e["lost"], e["code"]))
        boards.append(
            GroupBoard(
                group=groups[gid],
                rows=grows,
                domains=list(domains.items()),
                band_counts=counts,
                losing_criteria=losing[:top_criteria],
                domain_avgs={code: q2(sum(v) / len(v)) for code, v in sums.items() if v},
            )
        )
    return boards


def dashboard_for(*, user, round: Round, provisional: bool = False) -> Board | None:
    """Everything the round's dashboard shows, or None when the user may see no run of it."""
    if not can.can_read_dashboards(user):
        raise PermissionDenied
    run = run_for(user=user, round=round, provisional=provisional)
    if run is None:
        return None
    return board_for_run(run=run)


def board_for_run(*, run: IndexRun) -> Board:
    round = run.round
    bands = list(round.bands or [])
    sipas = sipas_elements_for_round(round=round)
    rows = _build_rows(run, bands, sipas)
    groups = _group_boards(rows, bands)
    movers = year_on_year(run=run, results=[r.result for r in rows])
    for gb in groups:
        gb.movers = [m for m in movers if m["result"].group_id == gb.group.pk]
    return Board(round=round, run=run, bands=bands, groups=groups, sipas_measured=bool(sipas))


def year_on_year(*, run: IndexRun, results: list[UnitResult]) -> list[dict]:
    """Each unit's index against the previous round's published run, most improved first.

    A unit that did not exist then compares with its predecessors (rankings.lineage) and says so ("via").
    Two queries whatever the number of units: the lineage links and the previous run's indexes.
    """
    previous = (
        IndexRun.objects.filter(round__year__lt=run.round.year, is_published=True)
        .order_by("-round__year", "-published_at", "-id")
        .first()
    )
    if previous is None:
        return []
    lineage = lineage_read()
    before = dict(UnitResult.objects.filter(run=previous).values_list("unit_id", "index_pct"))
    movers = []
    for r in results:
        was = lineage.comparable(r.unit_id, before)
        if was is None:
            continue
        movers.append(
            {
                "result": r,
                "unit": r.unit,
                "now": r.index_pct,
                "was": was,
                "change": r.index_pct - was,
                "via": lineage.via(r.unit_id, before),
                "year": previous.round.year,
            }
        )
    return sorted(movers, key=lambda m: (-m["change"], m["unit"].display_order, m["unit"].code))


def published_board(*, user, round: Round) -> Board | None:
    """The published run only (exports and the officers' ranking table)."""
    if not can.can_read_ranking(user):
        raise PermissionDenied
    run = run_latest_published(round=round)
    return board_for_run(run=run) if run else None


# --- headline figures ---------------------------------------------------------------------------


@dataclass
class GroupAverage:
    group: RankingGroup
    units: int
    average_pct: Decimal


@dataclass
class Mover:
    unit: Unit
    group: RankingGroup
    rank_before: int
    rank_now: int
    index_before: Decimal
    index_now: Decimal

    @property
    def places(self) -> int:
        """Places gained (positive) or lost (negative) in the unit's group."""
        return self.rank_before - self.rank_now


@dataclass
class Headline:
    averages: list[GroupAverage]
    previous_round: Round | None  # the latest earlier round with published results
    up: list[Mover]
    down: list[Mover]


def headline_for(board: Board, *, movers: int = 5) -> Headline:
    """The dashboard's headline figures: each group's average index and the units that moved most in their
    group's ranking since the previous round's published results (a unit that changed group is not compared)."""
    averages = [
        GroupAverage(
            group=gb.group,
            units=len(gb.rows),
            average_pct=(sum((r.result.index_pct for r in gb.rows), Decimal(0)) / len(gb.rows)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            ),
        )
        for gb in board.groups
        if gb.rows
    ]
    # The latest published run of the latest earlier round that has one (the order of run_latest_published).
    previous_run = (
        IndexRun.objects.filter(is_published=True, round__year__lt=board.round.year)
        .select_related("round")
        .order_by("-round__year", "-published_at", "-id")
        .first()
    )
    previous = previous_run.round if previous_run else None
    up: list[Mover] = []
    down: list[Mover] = []
    if previous_run is not None:
        before = {
            r["unit_id"]: r
            for r in UnitResult.objects.filter(run=previous_run).values("unit_id", "group_id", "rank", "index_pct")
        }
        for gb in board.groups:
            for row in gb.rows:
                r, b = row.result, before.get(row.result.unit_id)
                if b is None or b["group_id"] != r.group_id or b["rank"] == r.rank:
                    continue
                mover = Mover(
                    unit=r.unit,
                    group=gb.group,
                    rank_before=b["rank"],
                    rank_now=r.rank,
                    index_before=b["index_pct"],
                    index_now=r.index_pct,
                )
                (up if mover.places > 0 else down).append(mover)
        up.sort(key=lambda m: (-m.places, m.rank_now))
        down.sort(key=lambda m: (m.places, m.rank_now))
    return Headline(averages=averages, previous_round=previous, up=up[:movers], down=down[:movers])


# --- unit profile ------------------------------------------------------------------------------


@dataclass
class HistoryPoint:
    round: Round
    result: UnitResult | None  # None for a year before the unit existed, read through its predecessors
    group_size: int
    index_pct: Decimal | None = None
    via: list[str] = field(default_factory=list)  # predecessors whose results stand for the unit that year


@dataclass
class Profile:
    unit: Unit
    round: Round
    run: IndexRun | None
    result: UnitResult | None
    bands: list[dict]
    history: list[HistoryPoint]
    domains: list[dict]  # code, name, pct, group_avg
    weakest: list[dict]  # criteria by lost points
    next_band: dict | None  # label, min, pct_needed, points_needed
    next_rank: dict | None  # rank, unit, pct_needed, points_needed
    to_gain: list[dict]  # criteria with the most points still to gain
    lineage_note: str | None = None  # e.g. "hợp nhất từ … từ ngày 01/03/2025"
    last_year: dict = field(default_factory=dict)  # node id → rankings.lineage.LastYear


def points_for_pct(target_pct: Decimal, applicable_max: Decimal) -> Decimal:
    """Smallest total (in 0,01 steps) whose index % rounds half up to at least ``target_pct``.

    Example: max 100, target 80 → 79,995 rounds to 80,00, so 79,995 → 80,00 in points of 0,01 steps;
    we search the least t with round(t / max × 100, 2) ≥ target.
    """
    if applicable_max <= 0:
        return Decimal(0)
    t = q2(target_pct * applicable_max / 100 - TWO)
    t = max(t, Decimal(0))
    while q2(t / applicable_max * 100) < target_pct:
        t += TWO
    return t


def unit_profile(*, user, unit_id: int, round: Round) -> Profile:
    """A unit's standing in the round's published run and over the years; 404 when the user may not see it."""
    unit = Unit.objects.select_related("group").filter(pk=unit_id).first()
    if unit is None or not can.can_read_unit_results(user, unit):
        raise Http404("unit")
    runs = latest_published_runs()
    history_rows = list(
        UnitResult.objects.filter(run_id__in=[r.pk for r in runs.values()], unit=unit)
        .select_related("run__round", "group")
        .order_by("run__round__year")
    )
    run = runs.get(round.pk)
    bands = list(round.bands or [])
    current = next((h for h in history_rows if run and h.run_id == run.pk), None)
    group_rows: list[UnitResult] = []
    sizes: dict[tuple[int, int], int] = {}
    if history_rows:
        # Group sizes per run and the current group's rows, in one query each.
        for run_id, group_id, n in (
            UnitResult.objects.filter(run_id__in=[h.run_id for h in history_rows])
            .values_list("run_id", "group_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            sizes[(run_id, group_id)] = n
    if current is not None:
        group_rows = list(UnitResult.objects.filter(run=run, group_id=current.group_id).select_related("unit"))
    history = [
        HistoryPoint(
            round=h.run.round, result=h, group_size=sizes.get((h.run_id, h.group_id), 0), index_pct=h.index_pct
        )
        for h in history_rows
    ]
    lineage = lineage_read()
    history = _with_predecessors(history, lineage=lineage, unit=unit, runs=runs)
    if current is None:
        return Profile(
            unit=unit,
            round=round,
            run=run,
            result=None,
            bands=bands,
            history=history,
            domains=[],
            weakest=[],
            next_band=None,
            next_rank=None,
            to_gain=[],
            lineage_note=lineage.note(unit.pk),
        )

    domains, criteria = _parse_breakdown(current.breakdown)
    # The group's mean of each domain % over the units where it is applicable, summed in SQL.
    sums = domain_pct_sums(runs=[run], group_id=current.group_id)
    for d in domains:
        total, units = sums.get((run.pk, current.group_id, d["code"]), (None, 0))
        d["group_avg"] = q2(total / units) if units else None
        d["diff"] = d["pct"] - d["group_avg"] if d["group_avg"] is not None and d["pct"] is not None else None
    last_year = node_values_last_year(unit=unit, round=round, run_of=lambda r: runs.get(r.pk))
    for entry in (*domains, *criteria):
        entry["last_year"] = last_year.get(entry.get("node_id"))
    weakest = sorted(
        (c for c in criteria if c["lost"] > 0),
        key=lambda c: (c["pct"] if c["pct"] is not None else Decimal(0), -c["lost"], c["code"]),
    )[:5]
    to_gain = sorted((c for c in criteria if c["lost"] > 0), key=lambda c: (-c["lost"], c["code"]))[:5]

    next_band = None
    idx = band_index(bands, current.band)
    if idx > 0:
        b = bands[idx - 1]
        target = dec(b.get("min"))
        needed = points_for_pct(target, current.applicable_max) - current.total
        next_band = {
            "label": b.get("label"),
            "min": target,
            "pct_needed": max(target - current.index_pct, Decimal(0)),
            "points_needed": max(needed, Decimal(0)),
        }
    next_rank = None
    if current.rank > 1:
        above = [r for r in group_rows if r.index_pct > current.index_pct]
        if above:
            target_row = min(above, key=lambda r: r.index_pct)
            # Reaching the next better index % shares that unit's rank.
            needed = points_for_pct(target_row.index_pct, current.applicable_max) - current.total
            next_rank = {
                "rank": target_row.rank,
                "unit": target_row.unit,
                "pct": target_row.index_pct,
                "pct_needed": target_row.index_pct - current.index_pct,
                "points_needed": max(needed, Decimal(0)),
            }
    return Profile(
        unit=unit,
        round=round,
        run=run,
        result=current,
        bands=bands,
        history=history,
        domains=domains,
        weakest=weakest,
        next_band=next_band,
        next_rank=next_rank,
        to_gain=to_gain,
        lineage_note=lineage.note(unit.pk),
        last_year=last_year,
    )


def _with_predecessors(
    history: list[HistoryPoint], *, lineage, unit: Unit, runs: dict[int, IndexRun]
) -> list[HistoryPoint]:
    """Add the published years before the unit existed, read through its lineage (rankings.lineage)."""
    ancestors = lineage.ancestors(unit.pk)
    if not ancestors:
        return history
    have = {h.round.pk for h in history}
    missing = {rid: run for rid, run in runs.items() if rid not in have}
    values: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for run_id, unit_id, pct in UnitResult.objects.filter(
        run_id__in=[r.pk for r in missing.values()], unit_id__in=ancestors
    ).values_list("run_id", "unit_id", "index_pct"):
        values[run_id][unit_id] = pct
    for run in missing.values():
        pct = lineage.comparable(unit.pk, values[run.pk])
        if pct is not None:
            history.append(
                HistoryPoint(
                    round=run.round, result=None, group_size=0, index_pct=pct, via=lineage.via(unit.pk, values[run.pk])
                )
            )
    return sorted(history, key=lambda h: h.round.year)


# --- trends ------------------------------------------------------------------------------------


@dataclass
class GroupTrend:
    group: RankingGroup
    years: list[int]
    units: list[tuple[Unit, list[Decimal | None]]]  # index % per year (through lineage before a unit existed)
    domains: list[tuple[str, str, list[Decimal | None]]]  # province average domain % per year
    notes: list[tuple[Unit, str]] = field(default_factory=list)  # units whose earlier years are their predecessors'


def trends_for(*, user) -> list[GroupTrend]:
    """Each unit's index and the province's domain averages over every published round (one results query)."""
    if not can.can_read_dashboards(user):
        raise PermissionDenied
    runs = latest_published_runs()
    results = breakdowns_for(
        UnitResult.objects.filter(run_id__in=[r.pk for r in runs.values()])
        .select_related("unit", "group", "run__round")
        .order_by("group__display_order", "group__code", "unit__display_order", "unit__code")
    )
    years = sorted({r.run.round.year for r in results})
    # Every unit's index per year, for the years before a successor existed (rankings.lineage).
    lineage = lineage_read()
    by_year: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for r in results:
        by_year[r.run.round.year][r.unit_id] = r.index_pct
    groups: dict[int, RankingGroup] = {}
    unit_idx: dict[int, dict[int, dict]] = defaultdict(dict)
    units: dict[int, dict[int, Unit]] = defaultdict(dict)
    dom: dict[int, dict[str, dict]] = defaultdict(dict)
    for r in results:
        groups[r.group_id] = r.group
        year = r.run.round.year
        units[r.group_id].setdefault(r.unit_id, r.unit)
        unit_idx[r.group_id].setdefault(r.unit_id, {})[year] = r.index_pct
        for d in _parse_breakdown(r.breakdown)[0]:
            entry = dom[r.group_id].setdefault(d["code"], {"name": d["name"], "years": defaultdict(list)})
            if d["pct"] is not None:
                entry["years"][year].append(d["pct"])
    out = []
    for gid, group in groups.items():
        g_years = years
        unit_series = []
        notes = []
        for uid, u in units[gid].items():
            series = [
                unit_idx[gid][uid].get(y) if y in unit_idx[gid][uid] else lineage.comparable(uid, by_year[y])
                for y in g_years
            ]
            unit_series.append((u, series))
            if note := lineage.note(uid):
                notes.append((u, note))
        dom_series = [
            (
                code,
                e["name"],
                [q2(sum(e["years"][y]) / len(e["years"][y])) if e["years"].get(y) else None for y in g_years],
            )
            for code, e in dom[gid].items()
        ]
        out.append(GroupTrend(group=group, years=g_years, units=unit_series, domains=dom_series, notes=notes))
    return out
