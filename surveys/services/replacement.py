"""Replacing a round's current survey import, and restoring a superseded one (DESIGN §4).

``replacement_preview`` tells the administrator, before confirming, what the new file changes unit by unit:
valid forms and survey points before and after, and which units would become unmeasured or fall under the
round's minimum sample. The new file's points are computed by the same code as on confirmation
(``results_compute``), inside a savepoint that is rolled back: nothing of the preview is kept.

``survey_import_restore`` brings a superseded import back as a NEW import of the same stored file, which is
previewed and confirmed like any upload (so the replacement it makes is shown and recorded too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from assessments.models import Unit
from surveys.models import ImportStatus, SurveyImport, SurveyLeafResult, SurveyUnitResult
from surveys.services.imports import ImportRefused, _require_manager, survey_import_create
from surveys.services.results import results_compute


@dataclass
class UnitChange:
    unit: Unit
    forms_before: int
    forms_after: int
    points_before: Decimal | None  # None: not measured (no leaf has points)
    points_after: Decimal | None
    minimum: int

    @property
    def becomes_unmeasured(self) -> bool:
        return self.points_before is not None and self.points_after is None

    @property
    def falls_under_minimum(self) -> bool:
        # A unit left with no valid form is listed as becoming unmeasured instead.
        return bool(self.minimum) and self.forms_before >= self.minimum > self.forms_after > 0

    @property
    def changed(self) -> bool:
        return self.forms_before != self.forms_after or self.points_before != self.points_after


@dataclass
class Replacement:
    current: SurveyImport
    units: list[UnitChange]

    @property
    def unmeasured(self) -> list[UnitChange]:
        return [u for u in self.units if u.becomes_unmeasured]

    @property
    def under_minimum(self) -> list[UnitChange]:
        return [u for u in self.units if u.falls_under_minimum]

    @property
    def changed(self) -> list[UnitChange]:
        return [u for u in self.units if u.changed]


class _Rollback(Exception):
    pass


def _per_unit(import_id: int) -> tuple[dict[int, int], dict[int, Decimal | None]]:
    forms = dict(SurveyUnitResult.objects.filter(survey_import_id=import_id).values_list("unit_id", "valid_forms"))
    points: dict[int, Decimal | None] = dict.fromkeys(forms)
    sums = (
        SurveyLeafResult.objects.filter(survey_import_id=import_id, points__isnull=False)
        .values("unit_id")
        .annotate(total=Sum("points"))
    )
    for row in sums:
        points[row["unit_id"]] = row["total"]
    return forms, points


def replacement_preview(*, imp: SurveyImport) -> Replacement | None:
    """What confirming ``imp`` would change against the current import of its round and survey; None when
    there is no current import to replace (or ``imp`` is not waiting for review)."""
    if imp.status != ImportStatus.PREVIEW:
        return None
    current = (
        SurveyImport.objects.filter(round_id=imp.round_id, survey=imp.survey, is_current=True)
        .exclude(pk=imp.pk)
        .first()
    )
    if current is None:
        return None
    before_forms, before_points = _per_unit(current.pk)
    try:
        with transaction.atomic():
            results_compute(imp)
            after_forms, after_points = _per_unit(imp.pk)
            raise _Rollback
    except _Rollback:
        pass
    minimum = imp.round.survey_min_forms
    unit_ids = set(before_forms) | set(after_forms)
    units = Unit.objects.in_bulk(unit_ids)
    changes = [
        UnitChange(
            unit=units[uid],
            forms_before=before_forms.get(uid, 0),
            forms_after=after_forms.get(uid, 0),
            points_before=before_points.get(uid),
            points_after=after_points.get(uid),
            minimum=minimum,
        )
        for uid in unit_ids
    ]
    changes.sort(key=lambda c: (not c.becomes_unmeasured, not c.falls_under_minimum, c.unit.code))
    return Replacement(current=current, units=changes)


def survey_import_restore(*, import_id: int, user) -> SurveyImport:
    """A new import of a superseded import's stored file, waiting for review like an upload; it records
    which import it restores. Confirming it (with its replacement preview) makes it current."""
    _require_manager(user)
    old = SurveyImport.objects.select_related("round").get(pk=import_id)
    if old.status != ImportStatus.SUPERSEDED:
        raise ImportRefused(_("Only a superseded import can be restored."))
    if not old.file:
        raise ImportRefused(_("The stored file of this import is missing; it cannot be restored."))
    with transaction.atomic():  # the preview task is queued on commit, after the link to the old import is saved
        with old.file.open("rb") as fh:
            new = survey_import_create(
                round=old.round,
                survey=old.survey,
                fileobj=fh,
                name=os.path.basename(old.original_name),
                user=user,
                allow_reimport=True,
            )
        new.restored_from = old
        new.save(update_fields=["restored_from"])
    new.refresh_from_db()
    return new
