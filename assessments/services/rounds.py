"""Writes about rounds and the units in their scope."""

from collections.abc import Iterable

from django.db import transaction

from assessments.models import Assessment, Round, Unit


@transaction.atomic
def round_add_units(*, round: Round, units: Iterable[Unit]) -> list[Assessment]:
    """Put units in scope for a round: one draft Assessment each, with the unit's current group.

    Units already in scope are left as they are; returns the assessments created.
    """
    wanted = {u.pk: u for u in units}
    present = set(Assessment.objects.filter(round=round, unit_id__in=wanted).values_list("unit_id", flat=True))
    # The unique constraint (round, unit) keeps one assessment per unit should two admins add the
    # same unit at once: the second transaction fails instead of creating a duplicate.
    return [
        Assessment.objects.create(round=round, unit=u, group_id=u.group_id)
        for pk, u in wanted.items()
        if pk not in present
    ]
