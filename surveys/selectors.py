"""Reads of survey results. ``survey_points_for_round`` is what the index computation uses."""

from dataclasses import dataclass, field
from decimal import Decimal

from assessments.models import Round
from surveys.models import SurveyImport, SurveyLeafResult


@dataclass(frozen=True)
class SurveyPoints:
    """Points of every measured survey leaf of a round, from the current confirmed imports.

    ``leaf_points[(unit_id, leaf_id)]`` is the leaf's points; a pair that is absent, or whose value is
    None, is *not measured* (no valid answers). ``imports`` identifies the inputs for run digests.
    """

    leaf_points: dict[tuple[int, int], Decimal | None] = field(default_factory=dict)
    imports: list[tuple[str, int, str]] = field(default_factory=list)


def survey_points_for_round(*, round: Round) -> SurveyPoints:
    current = list(
        SurveyImport.objects.filter(round=round, is_current=True).order_by("survey").values_list("survey", "id", "sha256")
    )
    rows = SurveyLeafResult.objects.filter(survey_import_id__in=[i for _, i, _ in current]).values_list(
        "unit_id", "leaf_id", "points"
    )
    return SurveyPoints(leaf_points={(u, leaf): p for u, leaf, p in rows}, imports=current)
