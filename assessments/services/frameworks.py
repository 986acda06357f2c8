"""Writes about frameworks: copy into another round, spreadsheet import and export.

Spreadsheets have one row per node (``COLUMNS``). An import parses every row into a typed record
first, collects every error with its row and column, builds the whole tree inside one transaction
and validates it (``assessments.validation``); anything wrong rolls the transaction back, so a bad
file stores nothing.
"""

from __future__ import annotations

import copy as _copy

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Framework, Node, Round


class FrameworkError(Exception):
    """A framework operation refused; ``errors`` lists every reason in the active language."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _copy_nodes(*, source: Framework, target: Framework) -> int:
    nodes = list(source.nodes.order_by("order", "id"))
    by_parent: dict[int | None, list[Node]] = {}
    for n in nodes:
        by_parent.setdefault(n.parent_id, []).append(n)
    new_ids: dict[int, Node] = {}
    level = by_parent.get(None, [])
    # Create level by level so every parent exists before its children.
    while level:
        created = Node.objects.bulk_create(
            [
                Node(
                    framework=target, parent=new_ids[n.parent_id] if n.parent_id else None, level=n.level,
                    code=n.code, name=n.name, max_points=n.max_points, order=n.order, source=n.source,
                    rule=n.rule, params=_copy.deepcopy(n.params), na_allowed=n.na_allowed,
                    evidence_required=n.evidence_required, guidance=n.guidance,
                )
                for n in level
            ]
        )
        if any(c.pk is None for c in created):  # backends without RETURNING
            created = [Node.objects.get(framework=target, code=n.code) for n in level]
        new_ids.update({old.pk: new for old, new in zip(level, created, strict=True)})
        level = [child for n in level for child in by_parent.get(n.pk, [])]
    return len(new_ids)


@transaction.atomic
def framework_copy(*, source: Framework, round: Round, title: str = "") -> Framework:
    """Copy a framework (targets and the whole tree) into another round, for the same group.

    Refused when that round already has a framework for the group.
    """
    if Framework.objects.filter(round=round, group=source.group).exists():
        raise FrameworkError(
            [_("Round %(round)s already has a framework for %(group)s.") % {"round": round.year, "group": source.group}]
        )
    target = Framework.objects.create(
        round=round, group=source.group,
        title=title or source.title.replace(str(source.round.year), str(round.year)),
        target_total=source.target_total, target_self=source.target_self,
        target_cs_survey=source.target_cs_survey, target_sipas=source.target_sipas,
    )
    _copy_nodes(source=source, target=target)
    return target
