"""The index of one round, computed from its stored inputs (DESIGN §2, §5).

Reads the inputs (framework nodes, assessments, leaf scores, current survey points) in a fixed number
of queries from one read snapshot, applies the rules of assessments/index_rules.py to every unit and
returns the outcomes with a digest of the inputs. Writes nothing: rankings.services stores the outcomes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from assessments import index_rules
from assessments.models import Assessment, AssessmentState, LeafScore, MissingSurveyPolicy, NaDecision, Node
from assessments.models import Round as IndexRound
from surveys.models import SurveyLeafResult
from surveys.selectors import current_imports_for_round

ROWS_CHUNK = 5000


@dataclass
class UnitOutcome:
    assessment_id: int
    unit_id: int
    group_id: int
    display_order: int
    code: str
    index: index_rules.UnitIndex = field(default_factory=index_rules.UnitIndex)
    rank: int = 0
    band: str = ""
    provisional: bool = False
    warnings: list[dict] = field(default_factory=list)


@dataclass
class Computation:
    digest: str
    outcomes: list[UnitOutcome]
    frameworks: dict[int, list[index_rules.FrameworkNode]]  # ranking group → nodes in display order
    uncertainty: dict = field(default_factory=dict)  # unit id → rankings.uncertainty.Uncertainty (set by the run)


class Digest:
    """SHA-256 over the inputs, one line per input record, in a canonical order (the queries' ORDER BY).

    Two runs over unchanged inputs have the same digest; a change to any input changes it.
    """

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def line(self, *values) -> None:
        """One record: its kind and values, tab-separated (None written as "None")."""
        self._hash.update(("\t".join(map(str, values)) + "\n").encode())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def compute_round(*, round: IndexRound) -> Computation:
    """Compute every unit of the round. Reads only; the caller writes the outcomes.

    On PostgreSQL every input is read in one REPEATABLE READ transaction (unless the caller has one
    open): the run sees the round as it was at one moment, whatever is saved while it reads.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _compute(round)


def _frameworks(round: IndexRound, digest: Digest) -> dict[int, list[index_rules.FrameworkNode]]:
    rows = (
        Node.objects.filter(framework__round=round)
        .order_by("framework__group_id", "order", "id")
        .values_list("framework__group_id", "id", "parent_id", "code", "max_points", "source")
    )
    frameworks: dict[int, list[index_rules.FrameworkNode]] = {}
    for group_id, node_id, parent_id, code, max_points, source in rows:
        digest.line("node", group_id, node_id, parent_id, code, max_points, source)
        node = index_rules.FrameworkNode(node_id, parent_id, code, max_points, source or index_rules.SELF)
        frameworks.setdefault(group_id, []).append(node)
    return frameworks


def _assessments(round: IndexRound, digest: Digest) -> list[tuple]:
    rows = list(
        Assessment.objects.filter(round=round)
        .order_by("id")
        .values_list("id", "unit_id", "group_id", "state", "unit__display_order", "unit__code")
    )
    for row in rows:
        digest.line("assessment", *row)
    return rows


def _scores(round: IndexRound, digest: Digest) -> dict[int, dict[int, index_rules.ScoreInput]]:
    """{assessment id: {leaf id: score}} of every leaf score of the round, read in one query."""
    rows = (
        LeafScore.objects.filter(assessment__round=round)
        .order_by("assessment_id", "node_id")
        .values_list("assessment_id", "node_id", "self_points", "app_points", "self_na", "na_decision")
    )
    scores: dict[int, dict[int, index_rules.ScoreInput]] = {}
    for assessment_id, node_id, self_points, app_points, self_na, decision in rows.iterator(ROWS_CHUNK):
        digest.line("score", assessment_id, node_id, self_points, app_points, self_na, decision)
        scores.setdefault(assessment_id, {})[node_id] = index_rules.ScoreInput(
            self_points=self_points,
            app_points=app_points,
            self_na=self_na,
            na_confirmed=self_na and decision == NaDecision.CONFIRMED,
        )
    return scores


def _survey_points(round: IndexRound, digest: Digest) -> dict[int, dict[int, Decimal | None]]:
    """{unit id: {leaf id: points or None}} of the round's current confirmed survey imports."""
    imports = current_imports_for_round(round=round)
    for survey, import_id, sha256 in imports:
        digest.line("survey import", survey, import_id, sha256)
    rows = (
        SurveyLeafResult.objects.filter(survey_import_id__in=[i for _survey, i, _sha in imports])
        .order_by("survey_import_id", "unit_id", "leaf_id")
        .values_list("survey_import_id", "unit_id", "leaf_id", "points")
    )
    points: dict[int, dict[int, Decimal | None]] = {}
    for import_id, unit_id, leaf_id, value in rows.iterator(ROWS_CHUNK):
        digest.line("survey", import_id, unit_id, leaf_id, value)
        points.setdefault(unit_id, {})[leaf_id] = value
    return points


def _compute(round: IndexRound) -> Computation:
    digest = Digest()
    digest.line("round", round.pk, round.year, round.missing_survey_policy, round.bands)
    frameworks = _frameworks(round, digest)
    assessments = _assessments(round, digest)
    scores = _scores(round, digest)
    survey_points = _survey_points(round, digest)
    missing_scores_zero = round.missing_survey_policy == MissingSurveyPolicy.ZERO
    messages = _messages(missing_scores_zero)

    outcomes = []
    for assessment_id, unit_id, group_id, state, display_order, code in assessments:
        out = UnitOutcome(assessment_id, unit_id, group_id, display_order, code)
        outcomes.append(out)
        nodes = frameworks.get(group_id)
        if nodes is None:
            out.warnings = [{"code": "no_framework", "message": messages["no_framework"]}]
            continue
        finalised = state == AssessmentState.FINALISED
        out.provisional = not finalised
        out.index = index_rules.unit_index(
            nodes,
            scores=scores.get(assessment_id, {}),
            survey_points=survey_points.get(unit_id, {}),
            finalised=finalised,
            missing_scores_zero=missing_scores_zero,
        )
        out.warnings = _warnings(out, messages, missing_scores_zero)

    entries = [
        index_rules.RankEntry(o.assessment_id, o.group_id, o.index.index_pct, o.display_order, o.code) for o in outcomes
    ]
    ranks = index_rules.rank(entries)
    for out in outcomes:
        out.rank = ranks[out.assessment_id]
        out.band = index_rules.band(out.index.index_pct, round.bands)
    return Computation(digest=digest.hexdigest(), outcomes=outcomes, frameworks=frameworks)


def _messages(missing_scores_zero: bool) -> dict[str, str]:
    """The warnings' texts, stored in Vietnamese: results are published in Vietnamese."""
    with translation.override("vi"):
        return {
            "provisional": _("Appraisal not completed: the result is provisional"),
            index_rules.NOT_APPLICABLE: _("Not applicable (confirmed): "),
            index_rules.UNSCORED: _("Not scored, counted as 0: "),
            index_rules.NOT_MEASURED: _("Survey not measured, counted as 0: ")
            if missing_scores_zero
            else _("Survey not measured, left out of the applicable maximum: "),
            "no_framework": _("No framework for the unit's ranking group in this round"),
        }


def _warnings(out: UnitOutcome, messages: dict[str, str], missing_scores_zero: bool) -> list[dict]:
    warnings = [{"code": "provisional", "message": messages["provisional"]}] if out.provisional else []
    for reason in (index_rules.NOT_APPLICABLE, index_rules.UNSCORED, index_rules.NOT_MEASURED):
        codes = out.index.reasons.get(reason)
        if codes:
            warning = {"code": reason, "message": messages[reason] + ", ".join(codes), "leaves": codes}
            if reason == index_rules.NOT_MEASURED:
                warning["counted_as_zero"] = missing_scores_zero
            warnings.append(warning)
    return warnings
