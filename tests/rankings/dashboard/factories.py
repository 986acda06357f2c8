"""Index runs and unit results for dashboard tests, computed consistently the way DESIGN §2 states.

Each leaf scores a deterministic fraction of its maximum (quarter-point steps) or, for about one self
leaf in eight, is confirmed N/A and leaves the applicable maximum; a criterion's and a domain's points and
maximum are the sums over their leaves; total = Σ domains; index % = round(total / applicable max × 100, 2);
ranks are shared on equal index % (1, 2, 2, 4); the band is the first of the round's bands reached.
"""

import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from assessments.models import Framework, Node, Round, Unit
from rankings.models import IndexRun, RunStatus, UnitResult
from surveys.models import ImportStatus, SurveyImport, SurveyKind, SurveyUnitResult
from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round, build_framework

TWO = Decimal("0.01")
QUARTER = Decimal("0.25")

# 20 points: self 12, civil-servant survey 3, SIPAS 5.
DASH_FRAMEWORK: list[dict] = [
    {"code": "1", "parent": None, "level": "domain", "name": "Công tác chỉ đạo, điều hành CCHC", "max": "6.00"},
    {"code": "1.1", "parent": "1", "level": "criterion", "name": "Kế hoạch CCHC năm", "max": "3.00", "source": "self", "rule": "manual"},
    {"code": "1.2", "parent": "1", "level": "criterion", "name": "Công tác kiểm tra CCHC", "max": "2.00", "source": "self", "rule": "manual"},
    {"code": "1.3", "parent": "1", "level": "criterion", "name": "Đánh giá của công chức về chỉ đạo", "max": "1.00", "source": "cs_survey"},
    {"code": "2", "parent": None, "level": "domain", "name": "Cải cách thủ tục hành chính", "max": "5.00"},
    {"code": "2.1", "parent": "2", "level": "criterion", "name": "Công khai thủ tục hành chính", "max": "3.00", "source": "self", "rule": "manual"},
    {"code": "2.2", "parent": "2", "level": "criterion", "name": "Giải quyết hồ sơ đúng hạn", "max": "2.00", "source": "self", "rule": "manual"},
    {"code": "3", "parent": None, "level": "domain", "name": "Chính quyền điện tử, chính quyền số", "max": "4.00"},
    {"code": "3.1", "parent": "3", "level": "criterion", "name": "Dịch vụ công trực tuyến", "max": "2.00", "source": "self", "rule": "manual"},
    {"code": "3.2", "parent": "3", "level": "criterion", "name": "Đánh giá của công chức về ứng dụng CNTT", "max": "2.00", "source": "cs_survey"},
    {"code": "4", "parent": None, "level": "domain", "name": "Sự hài lòng của người dân, tổ chức", "max": "5.00", "source": "sipas"},
]


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def quarter(value: Decimal) -> Decimal:
    return (value / QUARTER).quantize(Decimal(1), rounding=ROUND_HALF_UP) * QUARTER


def pct(points: Decimal, maximum: Decimal) -> Decimal:
    return q2(points / maximum * 100) if maximum else Decimal(0)


def band_for(bands: list[dict], index_pct: Decimal) -> str:
    for b in bands:
        if index_pct >= Decimal(b["min"]):
            return b["label"]
    return bands[-1]["label"]


def make_world(*, years=(2021,), departments: int = 3, districts: int = 2, frameworks: bool = True) -> dict:
    """Two ranking groups, their units, rounds with the dashboard framework, every unit in scope."""
    dep = RankingGroupFactory(code="department", name="Sở, ban, ngành", display_order=1)
    dis = RankingGroupFactory(code="district", name="UBND cấp huyện", display_order=2)
    units = [UnitFactory(code=f"S{i:03d}", name=f"Sở số {i:03d}", group=dep, display_order=i) for i in range(1, departments + 1)]
    units += [UnitFactory(code=f"H{i:03d}", name=f"Huyện số {i:03d}", group=dis, display_order=100 + i)
              for i in range(1, districts + 1)]
    rounds = []
    for year in years:
        rnd = RoundFactory(year=year, status="closed" if year < max(years) else "open")
        if frameworks:
            for g in (dep, dis):
                build_framework(round=rnd, group=g, rows=DASH_FRAMEWORK)
        for u in units:
            add_to_round(round=rnd, unit=u)
        rounds.append(rnd)
    return {"groups": [dep, dis], "units": units, "rounds": rounds}


def make_run(*, round: Round, units: list[Unit] | None = None, published: bool = True, seed: int = 0,
             warnings: dict[str, list[dict]] | None = None) -> IndexRun:
    """A succeeded run of ``round`` with one consistent result per unit in scope (bulk-created)."""
    if units is None:
        units = list(Unit.objects.filter(assessments__round=round).select_related("group").order_by("display_order"))
    frameworks = {f.group_id: f for f in Framework.objects.filter(round=round)}
    nodes_by_fw: dict[int, list[Node]] = defaultdict(list)
    for n in Node.objects.filter(framework__round=round).order_by("order"):
        nodes_by_fw[n.framework_id].append(n)
    now = timezone.now()
    run = IndexRun.objects.create(round=round, status=RunStatus.SUCCEEDED, started_at=now, finished_at=now,
                                  units_count=len(units), progress_percent=100, digest=f"seed-{seed}",
                                  is_published=published, published_at=now if published else None)
    bands = round.bands
    per_group: dict[int, list[dict]] = defaultdict(list)
    for unit in units:
        rng = random.Random(f"{round.year}-{seed}-{unit.code}")
        nodes = nodes_by_fw[frameworks[unit.group_id].pk]
        children = defaultdict(list)
        for n in nodes:
            children[n.parent_id].append(n)
        domains, criteria = [], []
        sums = {"self": Decimal(0), "cs_survey": Decimal(0), "sipas": Decimal(0)}
        self_max = Decimal(0)

        def score(node) -> tuple[Decimal, Decimal]:
            """(points, applicable max) of a node; about one self leaf in eight is confirmed N/A."""
            nonlocal self_max
            if children[node.pk]:
                parts = [score(ch) for ch in children[node.pk]]
                return sum((p for p, _m in parts), Decimal(0)), sum((m for _p, m in parts), Decimal(0))
            if node.source == "self" and node.na_allowed is False and rng.random() < 0.125:
                return Decimal(0), Decimal(0)
            points = min(node.max_points, quarter(node.max_points * Decimal(str(rng.uniform(0.45, 1.0)))))
            sums[node.source] += points
            if node.source == "self":
                self_max += node.max_points
            return points, node.max_points

        applicable = Decimal(0)
        for d in children[None]:
            d_points, d_max = Decimal(0), Decimal(0)
            for c in children[d.pk]:
                points, c_max = score(c)
                d_points, d_max = d_points + points, d_max + c_max
                if c_max:
                    criteria.append({"node_id": c.pk, "parent_id": d.pk, "code": c.code, "name": c.name,
                                     "points": str(points), "max": str(c_max),
                                     "pct": str(pct(points, c_max)), "lost": str(c_max - points)})
            if not children[d.pk]:
                d_points, d_max = score(d)
            applicable += d_max
            domains.append({"node_id": d.pk, "code": d.code, "name": d.name, "points": str(d_points),
                            "max": str(d_max), "pct": str(pct(d_points, d_max))})
        total = sum(sums.values())
        maximum = applicable
        per_group[unit.group_id].append({
            "unit": unit, "total": total, "max": maximum, "index": pct(total, maximum),
            "appraised": sums["self"], "self": min(sums["self"] + quarter(Decimal(str(rng.uniform(0, 2)))), self_max),
            "cs": sums["cs_survey"], "sipas": sums["sipas"], "breakdown": {"domains": domains, "criteria": criteria},
        })
    results = []
    for group_id, rows in per_group.items():
        rows.sort(key=lambda r: (-r["index"], r["unit"].display_order))
        for i, r in enumerate(rows):
            rank = i + 1 if i == 0 or r["index"] != rows[i - 1]["index"] else results[-1].rank
            results.append(UnitResult(
                run=run, unit=r["unit"], group_id=group_id, display_order=r["unit"].display_order,
                self_total=r["self"], appraised_total=r["appraised"], cs_points=r["cs"], sipas_points=r["sipas"],
                total=r["total"], applicable_max=r["max"], index_pct=r["index"], rank=rank,
                band=band_for(bands, r["index"]), breakdown=r["breakdown"],
                warnings=(warnings or {}).get(r["unit"].code, []),
            ))
    UnitResult.objects.bulk_create(results, batch_size=500)
    return run


def make_sipas(*, round: Round, units: list[Unit], seed: int = 0, unmeasured: tuple[str, ...] = ()) -> SurveyImport:
    """A current confirmed SIPAS import with element % per unit (units in ``unmeasured`` get none)."""
    imp = SurveyImport.objects.create(round=round, survey=SurveyKind.SIPAS, original_name="sipas.xlsx",
                                      sha256=f"{seed:064d}", status=ImportStatus.CONFIRMED, is_current=True)
    rows = []
    for u in units:
        if u.code in unmeasured:
            rows.append(SurveyUnitResult(survey_import=imp, unit=u, element_pct={}, sipas_pct=None))
            continue
        rng = random.Random(f"sipas-{seed}-{u.code}")
        elements = {str(e): str(q2(Decimal(str(rng.uniform(55, 99))))) for e in range(1, 6)}
        mean = q2(sum(Decimal(v) for v in elements.values()) / 5)
        rows.append(SurveyUnitResult(survey_import=imp, unit=u, respondents=50, valid_forms=50,
                                     element_pct=elements, sipas_pct=mean))
    SurveyUnitResult.objects.bulk_create(rows)
    return imp
