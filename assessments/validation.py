"""Framework validator (DESIGN §1): a framework is valid only when every number adds up.

``validate_framework`` reads the whole tree in one query and names every discrepancy with the
node's code and the numbers involved, in the active language (Vietnamese by default).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.models import Framework, Level, Node, Rule, Source

CENT = Decimal("0.01")
DEFAULT_MANUAL_STEP = Decimal("0.25")
# Which level a node's children must have; a sub-criterion has no children.
CHILD_LEVEL = {Level.DOMAIN: Level.CRITERION, Level.CRITERION: Level.SUB_CRITERION}


@dataclass
class FrameworkReport:
    domains: int = 0
    criteria: int = 0
    sub_criteria: int = 0
    leaves: int = 0
    max_total: Decimal = Decimal("0.00")
    by_source: dict[str, Decimal] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        """The JSON shape of ``framework_check --json`` (decimals as strings with 2 places)."""
        return {
            "domains": self.domains,
            "criteria": self.criteria,
            "sub_criteria": self.sub_criteria,
            "leaves": self.leaves,
            "max_total": f"{self.max_total.quantize(CENT)}",
            "by_source": {k: f"{v.quantize(CENT)}" for k, v in self.by_source.items()},
            "errors": list(self.errors),
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


def fmt(value: Decimal) -> str:
    """A number as people read it in the active language: 2,50 in Vietnamese."""
    return number_format(Decimal(value).quantize(CENT), 2, force_grouping=True)


def _label(node: Node) -> str:
    try:
        level = Level(node.level).label
    except ValueError:
        level = _("Node")
    return f"{level} {node.code}"


def _decimal(value) -> Decimal | None:
    """A decimal from a params value (stored as a string); None for anything else."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _is_cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)


def validate_framework(framework: Framework) -> FrameworkReport:
    nodes = list(Node.objects.filter(framework=framework).order_by("order", "id"))
    return validate_nodes(framework, nodes)


def validate_nodes(framework: Framework, nodes: list[Node]) -> FrameworkReport:
    """Validate a tree given as saved Node objects (the import validates inside its transaction)."""
    report = FrameworkReport(by_source={s.value: Decimal("0.00") for s in Source})
    errors = report.errors
    children: dict[int, list[Node]] = defaultdict(list)
    roots: list[Node] = []
    for node in nodes:
        if node.parent_id is None:
            roots.append(node)
        else:
            children[node.parent_id].append(node)

    def kids(node: Node) -> list[Node]:
        return children.get(node.pk, [])

    if not nodes:
        errors.append(_("The framework has no nodes."))

    # Every node must hang from a domain of this framework (no foreign parent, no cycle).
    ids = {n.pk for n in nodes}
    reachable: set[int] = set()
    stack = [r.pk for r in roots]
    while stack:
        pk = stack.pop()
        if pk in reachable:
            continue
        reachable.add(pk)
        stack.extend(c.pk for c in children.get(pk, []))
    for node in nodes:
        if node.parent_id is not None and node.parent_id not in ids:
            errors.append(_("%(node)s: its parent belongs to another framework.") % {"node": _label(node)})
        elif node.pk not in reachable:
            errors.append(_("%(node)s: its parents form a cycle.") % {"node": _label(node)})

    for node in nodes:
        if node.level == Level.DOMAIN:
            report.domains += 1
        elif node.level == Level.CRITERION:
            report.criteria += 1
        elif node.level == Level.SUB_CRITERION:
            report.sub_criteria += 1
        else:
            errors.append(_("%(node)s: unknown level “%(level)s”.") % {"node": _label(node), "level": node.level})

    # Levels: domains at the root, criteria under domains, sub-criteria under criteria.
    for node in roots:
        if node.level != Level.DOMAIN:
            errors.append(_("%(node)s: a node without a parent must be a domain.") % {"node": _label(node)})
    for node in nodes:
        node_children = kids(node)
        expected = CHILD_LEVEL.get(node.level)
        for child in node_children:
            if expected is None:
                errors.append(
                    _("%(node)s: a sub-criterion cannot have children (%(child)s).")
                    % {"node": _label(node), "child": child.code}
                )
            elif child.level != expected:
                errors.append(
                    _("%(child)s: under %(node)s the level must be “%(expected)s”.")
                    % {"child": _label(child), "node": _label(node), "expected": Level(expected).label}
                )

    # Parent maximum = sum of the children's maxima, at every level.
    for node in nodes:
        node_children = kids(node)
        if not node_children:
            continue
        total = sum((c.max_points for c in node_children), Decimal("0"))
        if total != node.max_points:
            if node.level == Level.CRITERION:
                msg = _("%(node)s: the sub-criteria add up to %(sum)s, not the maximum %(max)s")
            elif node.level == Level.DOMAIN:
                msg = _("%(node)s: the criteria add up to %(sum)s, not the maximum %(max)s")
            else:
                msg = _("%(node)s: the children add up to %(sum)s, not the maximum %(max)s")
            errors.append(msg % {"node": _label(node), "sum": fmt(total), "max": fmt(node.max_points)})
        if node.source or node.rule:
            errors.append(
                _("%(node)s: only scored nodes (without children) have a source or a rule.") % {"node": _label(node)}
            )

    # Leaves: source, rule and parameters.
    for node in nodes:
        if kids(node):
            continue
        report.leaves += 1
        if node.max_points < 0:
            errors.append(
                _("%(node)s: the maximum %(max)s is negative.") % {"node": _label(node), "max": fmt(node.max_points)}
            )
        if not _is_cents(node.max_points):
            errors.append(
                _("%(node)s: the maximum %(max)s is not a multiple of 0.01.")
                % {"node": _label(node), "max": node.max_points}
            )
        if node.source not in Source.values:
            if not node.source:
                errors.append(_("%(node)s: a scored node needs a source.") % {"node": _label(node)})
            else:
                errors.append(
                    _("%(node)s: unknown source “%(source)s”.") % {"node": _label(node), "source": node.source}
                )
            continue
        report.by_source[node.source] += node.max_points
        if node.source != Source.SELF:
            if node.rule:
                errors.append(
                    _("%(node)s: a survey-scored node has no rule (found “%(rule)s”).")
                    % {"node": _label(node), "rule": node.rule}
                )
            continue
        errors.extend(_rule_errors(node))

    report.max_total = sum((r.max_points for r in roots), Decimal("0"))
    if report.max_total != framework.target_total:
        errors.append(
            _("Framework: the domains add up to %(sum)s, not the declared total %(target)s")
            % {"sum": fmt(report.max_total), "target": fmt(framework.target_total)}
        )
    for source in Source:
        target = framework.target_for_source(source)
        if report.by_source[source] != target:
            errors.append(
                _("Framework: leaves of source “%(source)s” add up to %(sum)s, not the declared %(target)s")
                % {"source": source.label, "sum": fmt(report.by_source[source]), "target": fmt(target)}
            )
    return report


def _rule_errors(node: Node) -> list[str]:
    """Errors of a self leaf's rule and parameters."""
    label = _label(node)
    params = node.params if isinstance(node.params, dict) else None
    if params is None:
        return [_("%(node)s: the rule parameters must be a JSON object.") % {"node": label}]
    if node.rule not in Rule.values:
        if not node.rule:
            return [_("%(node)s: a self-assessed node needs a rule.") % {"node": label}]
        return [_("%(node)s: unknown rule “%(rule)s”.") % {"node": label, "rule": node.rule}]
    mx = node.max_points
    errors: list[str] = []
    if node.rule == Rule.LEVELS:
        levels = params.get("levels")
        if not isinstance(levels, list) or not levels:
            return [_("%(node)s: the “levels” rule needs at least one level.") % {"node": label}]
        best = None
        for i, level in enumerate(levels, start=1):
            points = _decimal(level.get("points")) if isinstance(level, dict) else None
            if not isinstance(level, dict) or not str(level.get("label", "")).strip():
                errors.append(_("%(node)s: level %(n)s has no label.") % {"node": label, "n": i})
            if points is None:
                errors.append(_("%(node)s: level %(n)s has no valid points.") % {"node": label, "n": i})
                continue
            if points < 0 or points > mx:
                errors.append(
                    _("%(node)s: level %(n)s gives %(points)s points, outside 0–%(max)s")
                    % {"node": label, "n": i, "points": fmt(points), "max": fmt(mx)}
                )
            elif not _is_cents(points):
                errors.append(
                    _("%(node)s: level %(n)s points %(points)s are not a multiple of 0.01.")
                    % {"node": label, "n": i, "points": points}
                )
            best = points if best is None else max(best, points)
        if best is not None and best < mx and not errors:
            errors.append(
                _("%(node)s: the highest level gives %(points)s, below the maximum %(max)s")
                % {"node": label, "points": fmt(best), "max": fmt(mx)}
            )
    elif node.rule == Rule.RATIO:
        bands = params.get("bands", [])
        if bands in (None, []):
            return []
        if not isinstance(bands, list):
            return [_("%(node)s: the ratio bands must be a list.") % {"node": label}]
        prev_t = prev_p = None
        for i, band in enumerate(bands, start=1):
            t = _decimal(band.get("threshold")) if isinstance(band, dict) else None
            p = _decimal(band.get("points")) if isinstance(band, dict) else None
            if t is None or p is None:
                errors.append(_("%(node)s: band %(n)s needs a numeric threshold and points.") % {"node": label, "n": i})
                continue
            if t < 0 or t > 100:
                errors.append(
                    _("%(node)s: band %(n)s threshold %(t)s%% is outside 0–100.") % {"node": label, "n": i, "t": fmt(t)}
                )
            if prev_t is not None and t <= prev_t:
                errors.append(
                    _("%(node)s: band %(n)s threshold %(t)s%% is not above the previous %(prev)s%%.")
                    % {"node": label, "n": i, "t": fmt(t), "prev": fmt(prev_t)}
                )
            if p < 0 or p > mx:
                errors.append(
                    _("%(node)s: band %(n)s gives %(points)s points, outside 0–%(max)s")
                    % {"node": label, "n": i, "points": fmt(p), "max": fmt(mx)}
                )
            elif not _is_cents(p):
                errors.append(
                    _("%(node)s: band %(n)s points %(points)s are not a multiple of 0.01.")
                    % {"node": label, "n": i, "points": p}
                )
            if prev_p is not None and p < prev_p:
                errors.append(
                    _("%(node)s: band %(n)s gives %(points)s points, fewer than the previous band's %(prev)s")
                    % {"node": label, "n": i, "points": fmt(p), "prev": fmt(prev_p)}
                )
            prev_t, prev_p = t, p
    elif node.rule == Rule.DEDUCTION:
        per_item = _decimal(params.get("per_item"))
        if per_item is None or per_item <= 0:
            errors.append(_("%(node)s: the deduction per violation must be a number above 0.") % {"node": label})
        elif not _is_cents(per_item):
            errors.append(
                _("%(node)s: the deduction per violation %(v)s is not a multiple of 0.01.")
                % {"node": label, "v": per_item}
            )
    elif node.rule == Rule.MANUAL:
        raw = params.get("step")
        step = DEFAULT_MANUAL_STEP if raw in (None, "") else _decimal(raw)
        if step is None or step <= 0:
            errors.append(_("%(node)s: the step of entered points must be a number above 0.") % {"node": label})
        elif not _is_cents(step):
            errors.append(_("%(node)s: the step %(step)s is not a multiple of 0.01.") % {"node": label, "step": step})
        elif mx % step != 0:
            errors.append(
                _("%(node)s: the maximum %(max)s is not a multiple of the step %(step)s")
                % {"node": label, "max": fmt(mx), "step": fmt(step)}
            )
    return errors
