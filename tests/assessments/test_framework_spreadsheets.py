"""Framework spreadsheets: export → import gives the same tree; a bad file stores nothing and says
where the problem is (row and column, in Vietnamese)."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from assessments.models import Framework, Node
from assessments.services.frameworks import COLUMNS, FrameworkError, framework_export, framework_import
from assessments.validation import validate_framework
from tests.factories import RoundFactory


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def tree(framework):
    return [
        (
            n.code,
            n.parent.code if n.parent else None,
            n.level,
            n.name,
            n.max_points,
            n.source,
            n.rule,
            n.params,
            n.na_allowed,
            n.evidence_required,
            n.guidance,
            n.order,
        )
        for n in Node.objects.filter(framework=framework).select_related("parent").order_by("code")
    ]


def xlsx(rows, headers=COLUMNS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rows_of(content: bytes) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


@pytest.fixture
def empty_2022(framework):
    round_2022 = RoundFactory(year=2022)
    return Framework.objects.create(
        round=round_2022,
        group=framework.group,
        title="Bộ tiêu chí 2022",
        target_total=framework.target_total,
        target_self=framework.target_self,
        target_cs_survey=framework.target_cs_survey,
        target_sipas=framework.target_sipas,
    )


def test_export_then_import_into_another_round_gives_the_identical_tree(framework, empty_2022):
    Node.objects.filter(framework=framework, code="1.2").update(guidance='=HYPERLINK("x") – hướng dẫn')
    content = framework_export(framework=framework)
    count = framework_import(framework=empty_2022, content=content)
    assert count == framework.nodes.count() == 9
    assert tree(empty_2022) == tree(framework)
    assert validate_framework(empty_2022).errors == []


def test_export_has_one_row_per_node_parents_first_and_inert_formulas(framework):
    Node.objects.filter(framework=framework, code="1.2").update(name="=1+1", guidance="@SUM(A1)")
    ws = openpyxl.load_workbook(io.BytesIO(framework_export(framework=framework))).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    codes = [r[0] for r in rows[1:]]
    assert codes == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "2", "2.1", "2.2", "3"]
    row_12 = rows[1 + codes.index("1.2")]
    assert row_12[3] == "'=1+1" and row_12[10] == "'@SUM(A1)"
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def _assert_nothing_stored(fw):
    assert not Node.objects.filter(framework=fw).exists()


def _bad(framework, mutate):
    rows = rows_of(framework_export(framework=framework))
    mutate(rows)
    return rows


def test_missing_column_is_rejected_naming_it(framework, empty_2022):
    rows = [r[:4] + r[5:] for r in rows_of(framework_export(framework=framework))]
    headers = [c for c in COLUMNS if c != "max_points"]
    with pytest.raises(FrameworkError) as exc:
        framework_import(framework=empty_2022, content=xlsx(rows, headers))
    assert exc.value.errors == ["Dòng 1: thiếu cột “max_points”."]
    _assert_nothing_stored(empty_2022)


def test_unknown_parent_is_reported_with_row_and_column(framework, empty_2022):
    rows = _bad(framework, lambda rows: rows[3].__setitem__(1, "9.9"))  # row 5 of the sheet: 1.1.2
    with pytest.raises(FrameworkError) as exc:
        framework_import(framework=empty_2022, content=xlsx(rows))
    assert any(e.startswith("Dòng 5, cột “parent_code”:") and "9.9" in e for e in exc.value.errors), exc.value.errors
    _assert_nothing_stored(empty_2022)


def test_non_numeric_max_is_reported_with_row_and_column(framework, empty_2022):
    rows = _bad(framework, lambda rows: rows[1].__setitem__(4, "bốn"))
    with pytest.raises(FrameworkError) as exc:
        framework_import(framework=empty_2022, content=xlsx(rows))
    assert exc.value.errors == ["Dòng 3, cột “max_points”: “bốn” không phải là số."]
    _assert_nothing_stored(empty_2022)


def test_duplicate_code_is_reported_with_both_rows(framework, empty_2022):
    rows = _bad(framework, lambda rows: rows[4].__setitem__(0, "1.1.1"))  # sheet row 6 repeats the code of sheet row 4
    with pytest.raises(FrameworkError) as exc:
        framework_import(framework=empty_2022, content=xlsx(rows))
    assert any(e.startswith("Dòng 6, cột “code”:") and "dòng 4" in e for e in exc.value.errors), exc.value.errors
    _assert_nothing_stored(empty_2022)


def test_bad_level_is_reported(framework, empty_2022):
    rows = _bad(framework, lambda rows: rows[0].__setitem__(2, "chapter"))
    with pytest.raises(FrameworkError) as exc:
        framework_import(framework=empty_2022, content=xlsx(rows))
    assert any(e.startswith("Dòng 2, cột “level”:") and "chapter" in e for e in exc.value.errors)
    _assert_nothing_stored(empty_2022)


def test_tree_that_does_not_add_up_is_rolled_back(framework, empty_2022):
    rows = _bad(framework, lambda rows: rows[2].__setitem__(4, 1.5))  # 1.1.1: 1.5 + 2 ≠ 4
    with pytest.raises(FrameworkError) as exc:
        framework_import(framework=empty_2022, content=xlsx(rows))
    assert any(e.startswith("Tiêu chí 1.1:") for e in exc.value.errors), exc.value.errors
    _assert_nothing_stored(empty_2022)


def test_existing_nodes_are_kept_unless_replace(framework):
    before = tree(framework)
    content = framework_export(framework=framework)
    with pytest.raises(FrameworkError):
        framework_import(framework=framework, content=content)
    assert tree(framework) == before
    framework_import(framework=framework, content=content, replace=True)
    assert tree(framework) == before


def test_not_a_workbook_is_refused(empty_2022):
    with pytest.raises(FrameworkError):
        framework_import(framework=empty_2022, content=b"not a spreadsheet")
    _assert_nothing_stored(empty_2022)


def test_commands_round_trip_and_refuse_bad_files(framework, tmp_path: Path, capsys):
    RoundFactory(year=2023)
    out = tmp_path / "fw.xlsx"
    call_command("framework_export", "--round", "2021", "--group", "department", str(out))
    call_command("framework_import", "--round", "2023", "--group", "department", "--targets", "10,7,1,2", str(out))
    new = Framework.objects.get(round__year=2023, group__code="department")
    assert tree(new) == tree(framework)

    bad = tmp_path / "bad.xlsx"
    rows = rows_of(out.read_bytes())
    rows[0][4] = "abc"
    bad.write_bytes(xlsx(rows))
    RoundFactory(year=2024)
    with pytest.raises(CommandError):
        call_command("framework_import", "--round", "2024", "--group", "department", "--targets", "10,7,1,2", str(bad))
    assert "Dòng 2, cột “max_points”" in capsys.readouterr().err
    assert not Framework.objects.filter(round__year=2024).exists()
