"""The publication check (DESIGN §5): every reason a computed run may not be final, listed before publishing.

A run is listed against the round as it is now: units computed while not finalised, survey leaves not
measured, survey samples under the round's minimum, survey imports confirmed after the run read its
inputs, and what differs from the run published so far. The administrator publishes only after
confirming, and with a written reason when anything is listed (rankings.services.index_run_publish).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from assessments.models import Assessment, AssessmentState, Unit
from rankings.models import IndexRun, UnitResult
from rankings.selectors import run_changes, run_latest_published
from surveys.models import ImportStatus, SurveyImport, SurveyUnitResult


@dataclass
class NotFinalised:
    unit: Unit
    state_label: str  # the assessment's state now


@dataclass
class NotMeasured:
    unit: Unit
    leaves: list[str]


@dataclass
class UnderMinimum:
    unit: Unit
    survey_label: str
    valid_forms: int
    minimum: int


@dataclass
class Difference:
    unit: Unit
    before: dict  # fields that moved, with their published values; {"new": True} for a unit not published before
    after: UnitResult | None


@dataclass
class PublicationCheck:
    run: IndexRun
    published: IndexRun | None
    not_finalised: list[NotFinalised] = field(default_factory=list)
    not_measured: list[NotMeasured] = field(default_factory=list)
    under_minimum: list[UnderMinimum] = field(default_factory=list)
    newer_imports: list[SurveyImport] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(
            self.not_finalised or self.not_measured or self.under_minimum or self.newer_imports or self.differences
        )

    def summary(self) -> dict:
        """What was listed, by unit code and import id: stored with the run when it is published."""
        return {
            "not_finalised": [f.unit.code for f in self.not_finalised],
            "not_measured": {f.unit.code: f.leaves for f in self.not_measured},
            "under_minimum": [[f.unit.code, f.survey_label, f.valid_forms, f.minimum] for f in self.under_minimum],
            "newer_imports": [i.pk for i in self.newer_imports],
            "differences": [d.unit.code for d in self.differences],
            "against_run": self.published.pk if self.published else None,
        }

    @property
    def fingerprint(self) -> str:
        """Names what the administrator saw: publishing is refused when the check has changed since."""
        data = json.dumps(self.summary(), sort_keys=True, default=str).encode()
        return hashlib.sha256(data).hexdigest()[:16]


def publication_check(*, run: IndexRun) -> PublicationCheck:
    """The check of one computed run (reads only; the caller decides who may see it)."""
    rnd = run.round
    published = run_latest_published(round=rnd)
    if published is not None and published.pk == run.pk:
        published = None
    check = PublicationCheck(run=run, published=published)
    results = list(
        UnitResult.objects.filter(run=run).select_related("unit").order_by("group_id", "rank", "display_order")
    )
    units = {r.unit_id: r.unit for r in results}

    states = dict(Assessment.objects.filter(round=rnd, unit_id__in=units).values_list("unit_id", "state"))
    for r in results:
        if r.provisional:
            state = states.get(r.unit_id)
            label = str(AssessmentState(state).label) if state else ""
            check.not_finalised.append(NotFinalised(unit=r.unit, state_label=label))
        missing = [
            leaf
            for w in (r.warnings or [])
            if w.get("code") == "survey_not_measured"
            for leaf in (w.get("leaves") or [])
        ]
        if missing:
            check.not_measured.append(NotMeasured(unit=r.unit, leaves=missing))

    if rnd.survey_min_forms:
        current = list(SurveyImport.objects.filter(round=rnd, is_current=True))
        counted = {
            (row["survey_import_id"], row["unit_id"]): row["valid_forms"]
            for row in SurveyUnitResult.objects.filter(survey_import__in=current, unit_id__in=units).values(
                "survey_import_id", "unit_id", "valid_forms"
            )
        }
        for imp in current:
            for unit_id, unit in units.items():
                forms = counted.get((imp.pk, unit_id), 0)
                if forms < rnd.survey_min_forms:
                    check.under_minimum.append(
                        UnderMinimum(
                            unit=unit,
                            survey_label=imp.get_survey_display(),
                            valid_forms=forms,
                            minimum=rnd.survey_min_forms,
                        )
                    )

    # The run read the survey imports current when it started; one confirmed since has replaced its data.
    read_at = run.started_at or run.created_at
    check.newer_imports = list(
        SurveyImport.objects.filter(
            round=rnd, confirmed_at__gt=read_at, status__in=[ImportStatus.CONFIRMED, ImportStatus.SUPERSEDED]
        ).order_by("confirmed_at")
    )

    if published is not None:
        by_unit = {r.unit_id: r for r in results}
        changes = run_changes(run=run, against=published)
        gone = set(
            UnitResult.objects.filter(run=published).exclude(unit_id__in=units).values_list("unit_id", flat=True)
        )
        missing_units = {u.pk: u for u in Unit.objects.filter(pk__in=gone)}
        for unit_id, before in changes.items():
            check.differences.append(Difference(unit=units[unit_id], before=before, after=by_unit.get(unit_id)))
        for unit in missing_units.values():
            check.differences.append(Difference(unit=unit, before={"removed": True}, after=None))
    return check
