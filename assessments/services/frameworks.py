"""Writes about frameworks: copy into another round, spreadsheet import and export.

Spreadsheets have one row per node (``COLUMNS``). An import parses every row into a typed record
first, collects every error with its row and column, builds the whole tree inside one transaction
and validates it (``assessments.validation``); anything wrong rolls the transaction back, so a bad
file stores nothing.
"""

from __future__ import annotations

import copy as _copy
import json
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Framework, Level, Node, Round, Rule, Source
from parindex.spreadsheets import escape_formula, unescape_formula


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
                    framework=target,
                    parent=new_ids[n.parent_id] if n.parent_id else None,
                    level=n.level,
                    code=n.code,
                    name=n.name,
                    max_points=n.max_points,
                    order=n.order,
                    source=n.source,
                    rule=n.rule,
                    params=_copy.deepcopy(n.params),
                    na_allowed=n.na_allowed,
                    evidence_required=n.evidence_required,
                    guidance=n.guidance,
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
        round=round,
        group=source.group,
        title=title or source.title.replace(str(source.round.year), str(round.year)),
        target_total=source.target_total,
        target_self=source.target_self,
        target_cs_survey=source.target_cs_survey,
        target_sipas=source.target_sipas,
    )
    _copy_nodes(source=source, target=target)
    return target


# --- spreadsheets -----------------------------------------------------------------------------

COLUMNS = [
    "code",
    "parent_code",
    "level",
    "name",
    "max_points",
    "source",
    "rule",
    "rule_params",
    "na_allowed",
    "evidence_required",
    "guidance",
    "order",
]
REQUIRED_COLUMNS = ["code", "parent_code", "level", "name", "max_points", "source", "rule", "rule_params"]
TRUE_WORDS = {"1", "true", "x", "yes", "có", "co", "y"}
FALSE_WORDS = {"", "0", "false", "no", "không", "khong", "n"}


def node_row(node: Node, parent_code: str | None) -> list:
    """One spreadsheet row for a node, in ``COLUMNS`` order; text cells escaped."""
    params = json.dumps(node.params, ensure_ascii=False) if node.params else ""
    values = [
        node.code,
        parent_code or "",
        node.level,
        node.name,
        node.max_points,
        node.source,
        node.rule,
        params,
        node.na_allowed,
        node.evidence_required,
        node.guidance,
        node.order,
    ]
    return [escape_formula(v) for v in values]


def tree_order(nodes: list[Node]) -> list[Node]:
    """Nodes depth first (each parent before its children), siblings by order."""
    by_parent: dict[int | None, list[Node]] = {}
    for n in sorted(nodes, key=lambda n: (n.order, n.pk or 0)):
        by_parent.setdefault(n.parent_id, []).append(n)
    out: list[Node] = []

    def walk(parent_id):
        for n in by_parent.get(parent_id, []):
            out.append(n)
            walk(n.pk)

    walk(None)
    return out


def framework_export(*, framework: Framework) -> bytes:
    """The framework as an .xlsx workbook, one row per node (``COLUMNS``), parents first."""
    from assessments.resources import NodeResource

    dataset = NodeResource(framework=framework).export()
    dataset.title = str(framework.round.year)
    return dataset.export("xlsx")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_formula(str(value).strip())


def _cell_decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = _cell_text(value).replace(" ", "")
    if "," in text and "." not in text:  # decimal comma as typed in Vietnamese
        text = text.replace(",", ".")
    try:
        result = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _cell_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _cell_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def parse_rows(headers: list, rows: list[list]) -> tuple[list[dict], list[str]]:
    """Typed node records from spreadsheet rows, parents first; every error with row and column.

    Row numbers are those of the spreadsheet (the header is row 1).
    """
    errors: list[str] = []
    names = [_cell_text(h).lower() for h in headers]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        return [], [_("Row 1: missing column “%(column)s”.") % {"column": c} for c in missing]

    def err(row_no: int, column: str, message: str, **values) -> None:
        errors.append(
            _("Row %(row)s, column “%(column)s”: %(message)s")
            % {"row": row_no, "column": column, "message": message % values if values else message}
        )

    records: list[dict] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows):
        row_no = index + 2
        cells = dict(zip(names, raw, strict=False))
        if all(_cell_text(v) == "" for v in raw):
            continue
        rec: dict = {"row": row_no}
        code = _cell_text(cells.get("code"))
        if not code:
            err(row_no, "code", _("the code is empty."))
        elif code in seen:
            err(row_no, "code", _("the code “%(code)s” is already used on row %(other)s."), code=code, other=seen[code])
        else:
            seen[code] = row_no
        rec["code"] = code
        rec["parent_code"] = _cell_text(cells.get("parent_code")) or None
        level = _cell_text(cells.get("level"))
        if level not in Level.values:
            err(
                row_no,
                "level",
                _("“%(value)s” is not a level (%(allowed)s)."),
                value=level,
                allowed=", ".join(Level.values),
            )
        rec["level"] = level
        rec["name"] = _cell_text(cells.get("name"))
        if not rec["name"]:
            err(row_no, "name", _("the name is empty."))
        max_points = _cell_decimal(cells.get("max_points"))
        if max_points is None:
            err(row_no, "max_points", _("“%(value)s” is not a number."), value=_cell_text(cells.get("max_points")))
        elif max_points < 0 or max_points != max_points.quantize(Decimal("0.01")) or max_points >= Decimal("100000"):
            err(
                row_no,
                "max_points",
                _("%(value)s must be between 0 and 99999.99 with at most 2 decimals."),
                value=max_points,
            )
        rec["max_points"] = max_points
        source = _cell_text(cells.get("source"))
        if source and source not in Source.values:
            err(
                row_no,
                "source",
                _("“%(value)s” is not a source (%(allowed)s)."),
                value=source,
                allowed=", ".join(Source.values),
            )
        rec["source"] = source
        rule = _cell_text(cells.get("rule"))
        if rule and rule not in Rule.values:
            err(
                row_no,
                "rule",
                _("“%(value)s” is not a rule (%(allowed)s)."),
                value=rule,
                allowed=", ".join(Rule.values),
            )
        rec["rule"] = rule
        params_text = _cell_text(cells.get("rule_params"))
        try:
            params = json.loads(params_text) if params_text else {}
        except ValueError as exc:
            params = None
            err(row_no, "rule_params", _("not valid JSON (%(reason)s)."), reason=exc)
        if params is not None and not isinstance(params, dict):
            err(row_no, "rule_params", _('must be a JSON object such as {"step": "0.25"}.'))
        rec["params"] = params if isinstance(params, dict) else {}
        for column in ("na_allowed", "evidence_required"):
            value = _cell_bool(cells.get(column))
            if value is None:
                err(row_no, column, _("“%(value)s” is not yes or no (1/0)."), value=_cell_text(cells.get(column)))
            rec[column] = bool(value)
        rec["guidance"] = _cell_text(cells.get("guidance")) if "guidance" in names else ""
        order_raw = _cell_text(cells.get("order"))
        if order_raw:
            order = _cell_decimal(order_raw)
            if order is None or order < 0 or order != int(order):
                err(row_no, "order", _("“%(value)s” is not a whole number."), value=order_raw)
                order = 0
            rec["order"] = int(order)
        else:
            rec["order"] = row_no - 1
        records.append(rec)

    for rec in records:
        parent = rec["parent_code"]
        if parent is not None and parent not in seen:
            err(rec["row"], "parent_code", _("the parent “%(code)s” is not a code in this file."), code=parent)
        elif parent == rec["code"]:
            err(rec["row"], "parent_code", _("a node cannot be its own parent."))
    if errors:
        return [], errors

    # Parents first; a cycle leaves nodes unplaced.
    by_parent: dict[str | None, list[dict]] = {}
    for rec in records:
        by_parent.setdefault(rec["parent_code"], []).append(rec)
    ordered: list[dict] = []
    queue = list(by_parent.get(None, []))
    while queue:
        rec = queue.pop(0)
        ordered.append(rec)
        queue.extend(by_parent.get(rec["code"], []))
    placed = {r["code"] for r in ordered}
    for rec in records:
        if rec["code"] not in placed:
            err(rec["row"], "parent_code", _("the parents of “%(code)s” form a cycle."), code=rec["code"])
    return (ordered, []) if not errors else ([], errors)


def framework_import(*, framework: Framework, content: bytes, replace: bool = False) -> int:
    """Import an .xlsx framework spreadsheet into ``framework``; all or nothing.

    Goes through the same django-import-export resource as the admin: rows are parsed and checked
    (``parse_rows``), nodes created, the whole tree validated; any error rolls everything back and
    raises ``FrameworkError`` naming rows and columns. Returns the number of nodes imported.
    """
    from assessments.resources import GuardedXLSX, NodeResource
    from parindex.spreadsheets import SpreadsheetRefused

    try:
        dataset = GuardedXLSX().create_dataset(content)
    except SpreadsheetRefused as exc:
        raise FrameworkError([exc.message]) from exc
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise FrameworkError([_("The file is not a readable .xlsx workbook (%(reason)s).") % {"reason": exc}]) from exc
    resource = NodeResource(framework=framework, replace=replace)
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)
    errors = result_errors(result)
    if errors:
        raise FrameworkError(errors)
    return Node.objects.filter(framework=framework).count()


def result_errors(result) -> list[str]:
    """Every error of an import-export result as text (rows numbered as in the spreadsheet)."""
    errors: list[str] = []
    for error in result.base_errors:
        exc = error.error
        errors.extend(exc.errors if isinstance(exc, FrameworkError) else [str(exc)])
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(_("Row %(row)s: %(message)s") % {"row": number + 1, "message": error.error})
    for invalid in result.invalid_rows:
        for field_name, messages in invalid.error_dict.items():
            for message in messages:
                errors.append(
                    _("Row %(row)s, column “%(column)s”: %(message)s")
                    % {"row": invalid.number + 1, "column": field_name, "message": message}
                )
    return errors
