"""Reads of survey results. ``survey_points_for_round`` is what the index computation uses.

Who sees what: admins everything (imports, problems, results); appraisers and leaders the
per-unit results of every unit; an officer only the results of their own unit; nobody else
anything (views answer 404).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F, IntegerField, QuerySet
from django.db.models.functions import Cast
from django.db.models.functions import Round as RoundHalf
from django.http import Http404

from assessments.models import Assessment, Framework, Node, Round, Source
from parindex import permissions as can
from parindex.models import User
from surveys.models import (
    ImportStatus,
    SipasElement,
    SurveyImport,
    SurveyKind,
    SurveyLeafResult,
    SurveyQuestion,
    SurveyUnitResult,
)


@dataclass(frozen=True)
class SurveyPoints:
    """Points of every measured survey leaf of a round, from the current confirmed imports.

    ``leaf_points[(unit_id, leaf_id)]`` is the leaf's points; a pair that is absent, or whose value is
    None, is *not measured* (no valid answers). ``imports`` identifies the inputs for run digests.
    """

    leaf_points: dict[tuple[int, int], Decimal | None] = field(default_factory=dict)
    imports: list[tuple[str, int, str]] = field(default_factory=list)


def current_imports_for_round(*, round: Round) -> list[tuple[str, int, str]]:
    """(survey, import id, file sha256) of the round's current confirmed imports, by survey."""
    return list(
        SurveyImport.objects.filter(round=round, is_current=True)
        .order_by("survey")
        .values_list("survey", "id", "sha256")
    )


def survey_points_for_round(*, round: Round) -> SurveyPoints:
    current = current_imports_for_round(round=round)
    rows = SurveyLeafResult.objects.filter(survey_import_id__in=[i for _, i, _ in current]).values_list(
        "unit_id", "leaf_id", "points"
    )
    return SurveyPoints(leaf_points={(u, leaf): p for u, leaf, p in rows}, imports=current)


def survey_leaf_points_for_assessment(assessment: Assessment) -> dict[int, Decimal | None]:
    """{leaf id: points, None = not measured} of the unit's survey leaves covered by a current confirmed import.

    Registered with ``assessments.selectors`` (see ``SurveysConfig.ready``) so that the assessment page can
    show survey points without the assessments app importing this one. Access is the page's: the caller
    has already been allowed to read the assessment.
    """
    current = dict(
        SurveyImport.objects.filter(round_id=assessment.round_id, is_current=True).values_list("survey", "id")
    )
    if not current:
        return {}
    sources = [
        source
        for source, survey in ((Source.CS_SURVEY, SurveyKind.CS), (Source.SIPAS, SurveyKind.SIPAS))
        if survey in current
    ]
    leaves = (
        Node.objects.leaves()
        .filter(framework__round_id=assessment.round_id, framework__group_id=assessment.group_id, source__in=sources)
        .values_list("id", flat=True)
    )
    measured = dict(
        SurveyLeafResult.objects.filter(survey_import_id__in=current.values(), unit_id=assessment.unit_id).values_list(
            "leaf_id", "points"
        )
    )
    # A leaf of an imported survey with no row for the unit had no valid answer from it: not measured.
    return {leaf_id: measured.get(leaf_id) for leaf_id in leaves}


def survey_cents_for_round(*, round: Round) -> SurveyPoints:
    """``survey_points_for_round`` with the points as integer hundredths (converted by the database).

    For the index computation, which reads every survey leaf of every unit: no Decimal per row.
    """
    current = current_imports_for_round(round=round)
    if not current:
        return SurveyPoints(imports=current)
    qs = (
        SurveyLeafResult.objects.filter(survey_import_id__in=[i for _, i, _ in current])
        .annotate(c=Cast(RoundHalf(F("points") * 100), IntegerField()))
        .values_list("unit_id", "leaf_id", "c")
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return SurveyPoints(leaf_points={(u, leaf): c for u, leaf, c in rows}, imports=current)


# --- access -----------------------------------------------------------------------------------


def round_for_user(*, user: User, year: int) -> Round:
    if not can.can_read_survey_results(user):
        raise PermissionDenied
    try:
        return Round.objects.get(year=year)
    except Round.DoesNotExist as exc:
        raise Http404 from exc


def import_for_admin(*, user: User, import_id: int) -> SurveyImport:
    if not can.can_manage_surveys(user):
        raise PermissionDenied
    try:
        return SurveyImport.objects.select_related("round", "uploaded_by", "confirmed_by").get(pk=import_id)
    except SurveyImport.DoesNotExist as exc:
        raise Http404 from exc


def imports_for_admin(*, user: User, round: Round) -> QuerySet[SurveyImport]:
    if not can.can_manage_surveys(user):
        raise PermissionDenied
    return (
        SurveyImport.objects.filter(round=round)
        .select_related("uploaded_by", "confirmed_by")
        .order_by("-created_at", "-id")
    )


def questions_for_admin(*, user: User, round: Round) -> dict[str, list[SurveyQuestion]]:
    if not can.can_manage_surveys(user):
        raise PermissionDenied
    grouped: dict[str, list[SurveyQuestion]] = {SurveyKind.SIPAS: [], SurveyKind.CS: []}
    for q in SurveyQuestion.objects.filter(round=round).order_by("survey", "order", "code"):
        grouped[q.survey].append(q)
    return grouped


def rounds_for_user(*, user: User) -> QuerySet[Round]:
    if not can.can_read_survey_results(user):
        return Round.objects.none()
    return Round.objects.order_by("-year")


# --- per-unit results -------------------------------------------------------------------------


@dataclass
class LeafLine:
    code: str
    name: str
    source: str
    max_points: Decimal
    points: Decimal | None
    valid_answers: int

    @property
    def source_label(self) -> str:
        return Source(self.source).label

    @property
    def measured(self) -> bool:
        return self.points is not None


@dataclass
class UnitSurveyResults:
    unit_id: int
    code: str
    name: str
    group_name: str
    sipas: SurveyUnitResult | None = None
    cs: SurveyUnitResult | None = None
    leaves: list[LeafLine] = field(default_factory=list)
    element_pct: list[tuple[str, Decimal | None]] = field(default_factory=list)

    @property
    def not_measured(self) -> list[LeafLine]:
        return [leaf for leaf in self.leaves if not leaf.measured]

    @property
    def sipas_pct(self) -> Decimal | None:
        return self.sipas.sipas_pct if self.sipas else None


def survey_results_for_round(*, user: User, round: Round, unit_code: str | None = None) -> list[UnitSurveyResults]:
    """Per-unit survey figures of the current imports, limited to what ``user`` may see."""
    if not can.can_read_survey_results(user):
        raise PermissionDenied
    scope = (
        Assessment.objects.filter(round=round)
        .select_related("unit", "group")
        .order_by("group__display_order", "unit__display_order", "unit__code")
    )
    if not can.can_read_dashboards(user):  # an officer: own unit only (can_read_unit_results)
        scope = scope.filter(unit_id=user.unit_id)
    if unit_code is not None:
        scope = scope.filter(unit__code=unit_code)
    assessments = list(scope)
    if unit_code is not None and not assessments:
        raise Http404
    current = {i.survey: i for i in SurveyImport.objects.filter(round=round, is_current=True)}
    unit_ids = [a.unit_id for a in assessments]
    unit_results: dict[tuple[str, int], SurveyUnitResult] = {}
    for survey, imp in current.items():
        for r in SurveyUnitResult.objects.filter(survey_import=imp, unit_id__in=unit_ids):
            unit_results[(survey, r.unit_id)] = r
    leaf_points = {
        (r.unit_id, r.leaf_id): r
        for r in SurveyLeafResult.objects.filter(survey_import__in=current.values(), unit_id__in=unit_ids)
    }
    frameworks = {fw.group_id: fw for fw in Framework.objects.filter(round=round)}
    leaves_by_fw: dict[int, list[Node]] = {}
    for fw in frameworks.values():
        leaves_by_fw[fw.id] = list(
            fw.nodes.leaves().filter(source__in=[Source.SIPAS, Source.CS_SURVEY]).order_by("order", "id")
        )
    out = []
    for a in assessments:
        item = UnitSurveyResults(
            unit_id=a.unit_id,
            code=a.unit.code,
            name=a.unit.name,
            group_name=a.group.name,
            sipas=unit_results.get((SurveyKind.SIPAS, a.unit_id)),
            cs=unit_results.get((SurveyKind.CS, a.unit_id)),
        )
        fw = frameworks.get(a.group_id)
        for leaf in leaves_by_fw.get(fw.id, []) if fw else []:
            r = leaf_points.get((a.unit_id, leaf.id))
            item.leaves.append(
                LeafLine(
                    code=leaf.code,
                    name=leaf.name,
                    source=leaf.source,
                    max_points=leaf.max_points,
                    points=r.points if r else None,
                    valid_answers=r.valid_answers if r else 0,
                )
            )
        pct = item.sipas.element_pct if item.sipas else {}
        item.element_pct = [
            (label, Decimal(pct[str(value)]) if str(value) in pct else None) for value, label in SipasElement.choices
        ]
        out.append(item)
    return out


def pending_imports_count(*, user: User) -> int:
    if not can.can_manage_surveys(user):
        return 0
    return SurveyImport.objects.filter(
        status__in=[ImportStatus.PENDING, ImportStatus.PARSING, ImportStatus.PREVIEW]
    ).count()
