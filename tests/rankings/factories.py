"""Inputs of index runs for the rankings tests: scores as LeafScore rows, survey points as a current import."""

from decimal import Decimal

from assessments.models import Assessment, AssessmentState, LeafScore, Node, Round, Unit
from surveys.models import ImportStatus, SurveyImport, SurveyLeafResult
from tests.factories import UnitFactory, add_to_round

# A 100-point framework (self 60, civil-servant survey 16, SIPAS 24) for band-edge examples.
HUNDRED_FRAMEWORK: list[dict] = [
    {"code": "1", "parent": None, "level": "domain", "name": "Chỉ đạo, điều hành", "max": "76.00"},
    {
        "code": "1.1",
        "parent": "1",
        "level": "criterion",
        "name": "Tự đánh giá",
        "max": "60.00",
        "source": "self",
        "rule": "manual",
        "params": {"step": "0.01"},
    },
    {
        "code": "1.2",
        "parent": "1",
        "level": "criterion",
        "name": "Khảo sát CBCCVC",
        "max": "16.00",
        "source": "cs_survey",
    },
    {"code": "2", "parent": None, "level": "domain", "name": "SIPAS", "max": "24.00", "source": "sipas"},
]


def leaf(round: Round, unit_or_group, code: str) -> Node:
    group = unit_or_group.group if isinstance(unit_or_group, Unit) else unit_or_group
    return Node.objects.get(framework__round=round, framework__group=group, code=code)


def unit_in_round(
    *, round: Round, group, code: str, order: int, name: str | None = None, state: str = AssessmentState.FINALISED
) -> Assessment:
    unit = UnitFactory(code=code, name=name or f"Đơn vị {code}", group=group, display_order=order)
    assessment = add_to_round(round=round, unit=unit)
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    assessment.refresh_from_db()
    return assessment


def score(
    assessment: Assessment, code: str, app, self_points=None, *, na: bool = False, decision: str = ""
) -> LeafScore:
    """One self leaf's points; the unit's own points default to the appraised ones."""
    node = leaf(assessment.round, assessment.unit, code)
    app_d = None if app is None else Decimal(str(app))
    self_d = app_d if self_points is None else Decimal(str(self_points))
    return LeafScore.objects.update_or_create(
        assessment=assessment,
        node=node,
        defaults={"self_points": self_d, "app_points": app_d, "self_na": na, "na_decision": decision},
    )[0]


def scores(assessment: Assessment, points: dict[str, object]) -> None:
    for code, p in points.items():
        score(assessment, code, p)


def survey(round: Round, points: dict[tuple[Assessment, str], object], kind: str = "sipas") -> SurveyImport:
    """A confirmed, current import of one survey with the given leaf points (None = not measured)."""
    SurveyImport.objects.filter(round=round, survey=kind, is_current=True).update(
        is_current=False, status=ImportStatus.SUPERSEDED
    )
    n = SurveyImport.objects.count() + 1
    imp = SurveyImport.objects.create(
        round=round,
        survey=kind,
        file=f"surveys/{kind}-{n}.xlsx",
        original_name=f"{kind}-{n}.xlsx",
        sha256=f"{n:064d}",
        status=ImportStatus.CONFIRMED,
        is_current=True,
    )
    SurveyLeafResult.objects.bulk_create(
        SurveyLeafResult(
            survey_import=imp,
            unit=a.unit,
            leaf=leaf(round, a.unit, code),
            valid_answers=0 if p is None else 10,
            points=None if p is None else Decimal(str(p)),
        )
        for (a, code), p in points.items()
    )
    return imp
