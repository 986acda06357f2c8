"""The criteria crosswalk between two years' frameworks: links written, suggested by code, and read as a diff."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from assessments.models import CrosswalkKind, Framework, Level, Node, NodeCrosswalk

COMPARED_LEVELS = (Level.DOMAIN, Level.CRITERION, Level.SUB_CRITERION)


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).casefold().split())

    return norm(a) == norm(b)


def crosswalk_link_save(*, link: NodeCrosswalk) -> NodeCrosswalk:
    """Save one link: its ends must match its kind and lead from an earlier year's framework to a later one's."""
    link.full_clean()
    if link.old_node_id and link.new_node_id:
        old_fw = Framework.objects.select_related("round").get(pk=link.old_node.framework_id)
        new_fw = Framework.objects.select_related("round").get(pk=link.new_node.framework_id)
        if old_fw.round.year >= new_fw.round.year:
            raise ValidationError(_("A crosswalk leads from an earlier year's framework to a later year's."))
    link.save()
    return link


@transaction.atomic
def crosswalk_suggest(*, old: Framework, new: Framework) -> int:
    """Link by code every node of ``new`` that has no link yet: same code and name → same; same code, other
    name → renamed; a code only in ``new`` → new; a code only in ``old`` → retired. Returns the links made.

    Splits and merges cannot be guessed from codes: the admin records them on the crosswalk screen.
    """
    if old.round.year >= new.round.year:
        raise ValidationError(_("A crosswalk leads from an earlier year's framework to a later year's."))
    old_nodes = {n.code: n for n in old.nodes.filter(level__in=COMPARED_LEVELS)}
    new_nodes = {n.code: n for n in new.nodes.filter(level__in=COMPARED_LEVELS)}
    # Links from another year's framework do not count: a framework can be crosswalked from several years.
    linked_new = set(
        NodeCrosswalk.objects.filter(new_node__framework=new)
        .filter(Q(old_node__framework=old) | Q(old_node__isnull=True))
        .values_list("new_node_id", flat=True)
    )
    linked_old = set(NodeCrosswalk.objects.filter(old_node__framework=old).values_list("old_node_id", flat=True))
    made = []
    for code, node in new_nodes.items():
        if node.pk in linked_new:
            continue
        before = old_nodes.get(code)
        if before is None or before.pk in linked_old:
            made.append(NodeCrosswalk(old_node=None, new_node=node, kind=CrosswalkKind.NEW))
        else:
            kind = CrosswalkKind.SAME if _same_text(before.name, node.name) else CrosswalkKind.RENAMED
            made.append(NodeCrosswalk(old_node=before, new_node=node, kind=kind))
            linked_old.add(before.pk)
    for code, node in old_nodes.items():
        if node.pk not in linked_old and code not in new_nodes:
            made.append(NodeCrosswalk(old_node=node, new_node=None, kind=CrosswalkKind.RETIRED))
    NodeCrosswalk.objects.bulk_create(made)
    return len(made)


@dataclass
class DiffRow:
    kind: str  # a CrosswalkKind, or "" for a node no link mentions
    old: list[Node] = field(default_factory=list)
    new: list[Node] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(CrosswalkKind(self.kind).label) if self.kind else _("not mapped")

    @property
    def max_change(self) -> Decimal | None:
        if not self.old or not self.new:
            return None
        return sum(n.max_points for n in self.new) - sum(n.max_points for n in self.old)


def crosswalk_diff(*, old: Framework, new: Framework) -> list[DiffRow]:
    """Every node of either framework once, grouped by the links between them, in the later framework's order.

    A split is one row (one old node, its new nodes), a merge one row (its old nodes, one new node).
    """
    links = list(
        NodeCrosswalk.objects.filter(new_node__framework=new).select_related("old_node", "new_node")
        | NodeCrosswalk.objects.filter(old_node__framework=old, new_node__isnull=True).select_related("old_node")
    )
    links = [link for link in links if link.old_node_id is None or link.old_node.framework_id == old.pk]
    rows: list[DiffRow] = []
    by_old: dict[int, DiffRow] = {}
    by_new: dict[int, DiffRow] = {}
    for link in sorted(
        links, key=lambda x: (x.new_node.order if x.new_node else 10**9, x.old_node.order if x.old_node else 0)
    ):
        if link.kind == CrosswalkKind.SPLIT and link.old_node_id in by_old:
            by_old[link.old_node_id].new.append(link.new_node)
            continue
        if link.kind == CrosswalkKind.MERGED and link.new_node_id in by_new:
            by_new[link.new_node_id].old.append(link.old_node)
            continue
        row = DiffRow(
            kind=link.kind, old=[link.old_node] if link.old_node else [], new=[link.new_node] if link.new_node else []
        )
        rows.append(row)
        if link.old_node_id:
            by_old[link.old_node_id] = row
        if link.new_node_id:
            by_new[link.new_node_id] = row
    mentioned_old = {n.pk for r in rows for n in r.old}
    mentioned_new = {n.pk for r in rows for n in r.new}
    for node in new.nodes.filter(level__in=COMPARED_LEVELS).exclude(pk__in=mentioned_new):
        rows.append(DiffRow(kind="", new=[node]))
    for node in old.nodes.filter(level__in=COMPARED_LEVELS).exclude(pk__in=mentioned_old):
        rows.append(DiffRow(kind="", old=[node]))
    return rows
