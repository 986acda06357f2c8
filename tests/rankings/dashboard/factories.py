"""Index runs for dashboard tests: deterministic inputs, then a real index run (rankings.services)."""

import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from assessments.models import Assessment, AssessmentState, LeafScore, Node, Round, Unit
from rankings import services
from rankings.models import IndexRun, RunStatus
from surveys.models import ImportStatus, SurveyImport, SurveyKind, SurveyLeafResult, SurveyUnitResult
from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round, build_framework

TWO = Decimal("0.01")
QUARTER = Decimal("0.25")

# 20 points: self 12, civil-servant survey 3, SIPAS 5.
DASH_FRAMEWORK: list[dict] = [
    {"code": "1", "parent": None, "level": "domain", "name": "Công tác chỉ đạo, điều hành CCHC", "max": "6.00"},
    {
        "code": "1.1",
        "parent": "1",
        "level": "criterion",
        "name": "Kế hoạch CCHC năm",
        "max": "3.00",
        "source": "self",
        "rule": "manual",
    },
    {
        "code": "1.2",
        "parent": "1",
        "level": "criterion",
        "name": "Công tác kiểm tra CCHC",
        "max": "2.00",
        "source": "self",
        "rule": "manual",
    },
    {
        "code": "1.3",
        "parent": "1",
        "level": "criterion",
        "name": "Đánh giá của công chức về chỉ đạo",
        "max": "1.00",
        "source": "cs_survey",
    },
    {"code": "2", "parent": None, "level": "domain", "name": "Cải cách thủ tục hành chính", "max": "5.00"},
    {
        "code": "2.1",
        "parent": "2",
        "level": "criterion",
        "name": "Công khai thủ tục hành chính",
        "max": "3.00",
        "source": "self",
        "rule": "manual",
    },
    {
        "code": "2.2",
        "parent": "2",
        "level": "criterion",
        "name": "Giải quyết hồ sơ đúng hạn",
        "max": "2.00",
        "source": "self",
        "rule": "manual",
    },
    {"code": "3", "parent": None, "level": "domain", "name": "Chính quyền điện tử, chính quyền số", "max": "4.00"},
    {
        "code": "3.1",
        "parent": "3",
        "level": "criterion",
        "name": "Dịch vụ công trực tuyến",
        "max": "2.00",
        "source": "self",
        "rule": "manual",
    },
    {
        "code": "3.2",
        "parent": "3",
        "level": "criterion",
        "name": "Đánh giá của công chức về ứng dụng CNTT",
        "max": "2.00",
        "source": "cs_survey",
    },
    {
        "code": "4",
        "parent": None,
        "level": "domain",
        "name": "Sự hài lòng của người dân, tổ chức",
        "max": "5.00",
        "source": "sipas",
    },
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
    units = [
        UnitFactory(code=f"S{i:03d}", name=f"Sở số {i:03d}", group=dep, display_order=i)
        for i in range(1, departments + 1)
    ]
    units += [
        UnitFactory(code=f"H{i:03d}", name=f"Huyện số {i:03d}", group=dis, display_order=100 + i)
        for i in range(1, districts + 1)
    ]
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


def make_run(
    *,
    round: Round,
    units: list[Unit] | None = None,
    published: bool = True,
    seed: int = 0,
    unmeasured: tuple[str, ...] = (),
) -> IndexRun:
    """Store inputs for ``units`` (default: every unit in scope) and compute a real index run of the round.

    Each self leaf scores a deterministic fraction of its maximum (quarter-point steps) or, for about one
    self leaf in eight, is confirmed N/A; survey leaves get points in the round's current imports, except
    the SIPAS leaves of the units listed in ``unmeasured``. Every assessment is finalised. The figures are
    the index run's own (rankings.services), not computed here.
    """
    if units is None:
        units = list(Unit.objects.filter(assessments__round=round).select_related("group").order_by("display_order"))
    leaves_by_group: dict[int, list[Node]] = defaultdict(list)
    for n in Node.objects.leaves().filter(framework__round=round).select_related("framework").order_by("order"):
        leaves_by_group[n.framework.group_id].append(n)
    assessments = {a.unit_id: a for a in Assessment.objects.filter(round=round, unit__in=units)}
    Assessment.objects.filter(pk__in=[a.pk for a in assessments.values()]).update(state=AssessmentState.FINALISED)
    LeafScore.objects.filter(assessment__in=assessments.values()).delete()
    imports = {kind: _current_import(round, kind, seed) for kind in (SurveyKind.CS, SurveyKind.SIPAS)}
    SurveyLeafResult.objects.filter(survey_import__in=imports.values(), unit__in=units).delete()
    scores, survey_rows = [], []
    for unit in units:
        rng = random.Random(f"{round.year}-{seed}-{unit.code}")
        for node in leaves_by_group[unit.group_id]:
            points = min(node.max_points, quarter(node.max_points * Decimal(str(rng.uniform(0.45, 1.0)))))
            if node.source == "self":
                na = rng.random() < 0.125
                own = min(node.max_points, points + quarter(Decimal(str(rng.uniform(0, 0.5)))))
                scores.append(
                    LeafScore(
                        assessment=assessments[unit.pk],
                        node=node,
                        self_na=na,
                        na_decision="confirmed" if na else "",
                        self_points=None if na else own,
                        app_points=None if na else points,
                    )
                )
            elif not (node.source == "sipas" and unit.code in unmeasured):
                kind = SurveyKind.SIPAS if node.source == "sipas" else SurveyKind.CS
                survey_rows.append(
                    SurveyLeafResult(survey_import=imports[kind], unit=unit, leaf=node, valid_answers=50, points=points)
                )
    LeafScore.objects.bulk_create(scores, batch_size=500)
    SurveyLeafResult.objects.bulk_create(survey_rows, batch_size=500)
    run, _created = services.index_run_create(round=round, enqueue=False)
    services.index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    if published:
        IndexRun.objects.filter(pk=run.pk).update(is_published=True, published_at=timezone.now())
        run.refresh_from_db()
    return run


def _current_import(round: Round, kind: str, seed: int) -> SurveyImport:
    current = SurveyImport.objects.filter(round=round, survey=kind, is_current=True).first()
    if current is not None:
        return current
    return SurveyImport.objects.create(
        round=round,
        survey=kind,
        original_name=f"{kind}.xlsx",
        sha256=f"{kind}-{round.year}-{seed}".ljust(64, "0")[:64],
        status=ImportStatus.CONFIRMED,
        is_current=True,
    )


def make_sipas(*, round: Round, units: list[Unit], seed: int = 0, unmeasured: tuple[str, ...] = ()) -> SurveyImport:
    """A current confirmed SIPAS import with element % per unit (units in ``unmeasured`` get none)."""
    imp = _current_import(round, SurveyKind.SIPAS, seed)
    rows = []
    for u in units:
        if u.code in unmeasured:
            rows.append(SurveyUnitResult(survey_import=imp, unit=u, element_pct={}, sipas_pct=None))
            continue
        rng = random.Random(f"sipas-{seed}-{u.code}")
        elements = {str(e): str(q2(Decimal(str(rng.uniform(55, 99))))) for e in range(1, 6)}
        mean = q2(sum(Decimal(v) for v in elements.values()) / 5)
        rows.append(
            SurveyUnitResult(
                survey_import=imp, unit=u, respondents=50, valid_forms=50, element_pct=elements, sipas_pct=mean
            )
        )
    SurveyUnitResult.objects.bulk_create(rows)
    return imp
