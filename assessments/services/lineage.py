"""Unit lineage: links written one at a time from the admin, or from a spreadsheet in one transaction.

A spreadsheet is parsed into typed records first; every problem is collected with its row and column, and
nothing is written unless the whole file passes (STYLE: spreadsheets).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import LineageKind, Unit, UnitLineage

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000

# Header spellings accepted (compared NFC-normalised, trimmed and case-folded).
COLUMNS = {
    "successor": ("mã đơn vị kế thừa", "đơn vị kế thừa", "successor", "successor code"),
    "predecessor": ("mã đơn vị tiền thân", "đơn vị tiền thân", "predecessor", "predecessor code"),
    "kind": ("hình thức", "kind"),
    "date": ("từ ngày", "ngày hiệu lực", "effective date", "date"),
    "weight": ("trọng số", "weight"),
    "note": ("ghi chú", "note"),
}
REQUIRED = ("successor", "predecessor", "kind", "date")
KIND_WORDS = {
    "hợp nhất": LineageKind.MERGER,
    "sáp nhập": LineageKind.MERGER,
    "merger": LineageKind.MERGER,
    "chia tách": LineageKind.SPLIT,
    "tách": LineageKind.SPLIT,
    "split": LineageKind.SPLIT,
    "đổi tên": LineageKind.RENAME,
    "rename": LineageKind.RENAME,
}


def _norm(text) -> str:
    return unicodedata.normalize("NFC", str(text if text is not None else "")).strip().casefold()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class LineageRecord:
    row: int
    successor: Unit
    predecessor: Unit
    kind: str
    effective_date: date
    weight: Decimal | None
    note: str


class LineageImportError(ValidationError):
    """Every problem of the file, each naming its row and column."""


def read_table(*, name: str, content: bytes) -> list[list]:
    """The rows of a small .xlsx or .csv file as lists of cell values (the first sheet of a workbook).

    Bounded before parsing: the file's size, and for a workbook the size it expands to (a zip can expand far).
    """
    if len(content) > MAX_FILE_BYTES:
        raise LineageImportError(_("The file is too large (at most 2 MB)."))
    if name.lower().endswith(".xlsx"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                members = zf.infolist()
                if len(members) > 200 or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                    raise LineageImportError(_("The workbook expands too far to be read safely."))
            import openpyxl

            wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            rows = []
            for i, values in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
                if i >= MAX_ROWS:
                    raise LineageImportError(_("The file has too many rows."))
                rows.append(list(values))
            wb.close()
            return rows
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise LineageImportError(_("The file is not a readable .xlsx workbook.")) from exc
    if name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LineageImportError(_("A .csv file must be encoded in UTF-8.")) from exc
        rows = list(csv.reader(io.StringIO(text)))
        if len(rows) > MAX_ROWS:
            raise LineageImportError(_("The file has too many rows."))
        return rows
    raise LineageImportError(_("Upload an .xlsx or .csv file."))


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def lineage_parse(rows: list[list]) -> tuple[list[LineageRecord], list[str]]:
    """Typed records and every problem found, each message naming the row and column (1-based, as in Excel)."""
    errors: list[str] = []
    if not rows:
        return [], [_("The file is empty.")]
    header = [_norm(c) for c in rows[0]]
    where: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, cell in enumerate(header):
            if cell in names:
                where[key] = i
                break
    for key in REQUIRED:
        if key not in where:
            errors.append(_("Row 1: the column “%(column)s” is missing.") % {"column": COLUMNS[key][0].capitalize()})
    if errors:
        return [], errors
    codes = {_norm(u.code): u for u in Unit.objects.all()}
    records: list[LineageRecord] = []
    seen: dict[tuple[int, int], int] = {}

    def cell(values: list, key: str):
        i = where.get(key)
        return values[i] if i is not None and i < len(values) else None

    def problem(row: int, key: str, message: str, value) -> None:
        errors.append(
            _("Row %(row)s, column %(col)s (%(name)s): %(message)s (value: “%(value)s”).")
            % {
                "row": row,
                "col": _column_letter(where[key]),
                "name": COLUMNS[key][0].capitalize(),
                "message": message,
                "value": "" if value is None else value,
            }
        )

    for n, values in enumerate(rows[1:], start=2):
        if all(_norm(v) == "" for v in values):
            continue
        ok = True
        units = {}
        for key in ("successor", "predecessor"):
            raw = cell(values, key)
            unit = codes.get(_norm(raw))
            if unit is None:
                problem(n, key, _("no unit has this code"), raw)
                ok = False
            units[key] = unit
        raw_kind = cell(values, "kind")
        kind = KIND_WORDS.get(_norm(raw_kind))
        if kind is None:
            problem(n, "kind", _("write hợp nhất, chia tách or đổi tên"), raw_kind)
            ok = False
        raw_date = cell(values, "date")
        when = _parse_date(raw_date)
        if when is None:
            problem(n, "date", _("write a date as dd/mm/yyyy"), raw_date)
            ok = False
        weight = None
        raw_weight = cell(values, "weight")
        if _norm(raw_weight) != "":
            try:
                weight = Decimal(str(raw_weight).strip().replace(",", "."))
            except InvalidOperation:
                weight = None
            if weight is None or not weight.is_finite() or not Decimal(0) < weight <= 1:
                problem(n, "weight", _("a weight is a number above 0 and at most 1"), raw_weight)
                ok = False
        if units.get("successor") is not None and units["successor"] == units.get("predecessor"):
            problem(n, "predecessor", _("a unit cannot be its own predecessor"), cell(values, "predecessor"))
            ok = False
        if not ok:
            continue
        pair = (units["successor"].pk, units["predecessor"].pk)
        if pair in seen:
            problem(
                n,
                "predecessor",
                _("the same link is already on row %(row)s") % {"row": seen[pair]},
                cell(values, "predecessor"),
            )
            continue
        seen[pair] = n
        records.append(
            LineageRecord(
                row=n,
                successor=units["successor"],
                predecessor=units["predecessor"],
                kind=kind,
                effective_date=when,
                weight=weight,
                note=str(cell(values, "note") or "").strip(),
            )
        )
    errors.extend(_check_weights(records))
    return records, errors


def _check_weights(records: list[LineageRecord]) -> list[str]:
    """Within the file, a successor's weights are given for all of its links or none, and then sum to 1."""
    errors = []
    by_successor: dict[int, list[LineageRecord]] = {}
    for r in records:
        by_successor.setdefault(r.successor.pk, []).append(r)
    for links in by_successor.values():
        weights = [r.weight for r in links if r.weight is not None]
        if not weights:
            continue
        rows = ", ".join(str(r.row) for r in links)
        if len(weights) != len(links):
            errors.append(
                _("Rows %(rows)s (%(unit)s): give a weight for every predecessor or for none.")
                % {"rows": rows, "unit": links[0].successor.code}
            )
        elif sum(weights) != 1:
            errors.append(
                _("Rows %(rows)s (%(unit)s): the weights add up to %(sum)s, not 1.")
                % {"rows": rows, "unit": links[0].successor.code, "sum": sum(weights)}
            )
    return errors


def _check_no_cycle() -> None:
    """A unit cannot (through any chain) be its own predecessor: the comparisons would never end."""
    edges: dict[int, set[int]] = {}
    for succ, pred in UnitLineage.objects.values_list("successor_id", "predecessor_id"):
        edges.setdefault(succ, set()).add(pred)
    state: dict[int, int] = {}

    def visit(node: int) -> bool:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1 or (state.get(nxt) is None and visit(nxt)):
                return True
        state[node] = 2
        return False

    for node in list(edges):
        if state.get(node) is None and visit(node):
            code = Unit.objects.filter(pk=node).values_list("code", flat=True).first()
            raise LineageImportError(_("The links make a cycle through unit %(unit)s.") % {"unit": code})


def creates_cycle(*, successor_id: int, predecessor_id: int, exclude_pk: int | None = None) -> bool:
    """Would linking ``successor`` ← ``predecessor`` make a unit its own ancestor (the admin form asks first)?"""
    links = UnitLineage.objects.exclude(pk=exclude_pk) if exclude_pk else UnitLineage.objects.all()
    edges: dict[int, set[int]] = {}
    for succ, pred in links.values_list("successor_id", "predecessor_id"):
        edges.setdefault(succ, set()).add(pred)
    todo, seen = [predecessor_id], set()
    while todo:
        node = todo.pop()
        if node == successor_id:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


@transaction.atomic
def lineage_link_save(*, link: UnitLineage) -> UnitLineage:
    """Save one link (the admin's form) after its own checks and the whole graph's."""
    link.full_clean()
    link.save()
    _check_no_cycle()
    return link


def lineage_import(*, name: str, content: bytes) -> list[UnitLineage]:
    """Import every link of the file or none: an existing link of the same two units is updated."""
    records, errors = lineage_parse(read_table(name=name, content=content))
    if errors:
        raise LineageImportError(errors)
    saved = []
    with transaction.atomic():
        for r in records:
            link, _created = UnitLineage.objects.update_or_create(
                successor=r.successor,
                predecessor=r.predecessor,
                defaults={"kind": r.kind, "effective_date": r.effective_date, "weight": r.weight, "note": r.note},
            )
            saved.append(link)
        _check_no_cycle()
    return saved
