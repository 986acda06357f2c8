import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from rankings.dashboard.exports import safe_text
from rankings.models import UnitResult
from tests.factories import UnitFactory, add_to_round
from tests.rankings.dashboard.factories import make_run, make_world
from tests.rankings.dashboard.helpers import vn

pytestmark = pytest.mark.django_db

HEADERS = [
    "STT",
    "Tên đơn vị",
    "Điểm tự đánh giá",
    "Điểm thẩm định",
    "Điểm điều tra XHH",
    "Tổng điểm",
    "Chỉ số (%)",
    "Xếp hạng",
    "Xếp loại",
    "Ghi chú",
    "Chỉ số, cận dưới khoảng tin cậy 95 %",
    "Chỉ số, cận trên khoảng tin cậy 95 %",
    "Thứ hạng có thể (95 %)",
    "Sai số điểm điều tra (±)",
    "Mẫu khảo sát dưới mức tối thiểu",
]


def as_decimals(values) -> list:
    """Numeric cells read back as floats: compare them as the 2-place decimals they were written from."""
    return [Decimal(str(v)).quantize(Decimal("0.01")) if isinstance(v, float) else v for v in values]


def download(client, name, year=2021):
    response = client.get(reverse(f"dashboard:{name}", args=[year]))
    assert response.status_code == 200
    return response


def test_xlsx_announcement_sheets_equal_the_published_results(world, leader, client_for):
    response = download(client_for(leader), "export_xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:2] == ["Sở, ban, ngành", "UBND cấp huyện"]
    for sheet, code in (("Sở, ban, ngành", "department"), ("UBND cấp huyện", "district")):
        ws = wb[sheet]
        assert [c.value for c in ws[3]] == HEADERS
        results = list(
            UnitResult.objects.filter(run=world["run"], group__code=code)
            .select_related("unit")
            .order_by("rank", "display_order")
        )
        rows = list(ws.iter_rows(min_row=4, values_only=True))
        assert len(rows) == len(results)
        for n, (row, r) in enumerate(zip(rows, results), 1):
            assert as_decimals(row) == [
                n,
                r.unit.name,
                r.self_total,
                r.appraised_total,
                r.cs_points + r.sipas_points,
                r.total,
                r.index_pct,
                r.rank,
                r.band,
                "; ".join(w["message"] for w in r.warnings) or None,
                # The margin of error (none here: these runs' surveys have no respondent forms).
                r.index_low,
                r.index_high,
                r.rank_range,
                r.survey_margin,
                None,
            ]
        # Numbers are numeric cells with a two-decimal format, not text.
        cell = ws.cell(row=4, column=7)
        assert isinstance(cell.value, float | int | Decimal) and cell.number_format == "0.00"


def test_xlsx_has_a_domain_sheet_per_group_with_points_max_and_pct(world, leader, client_for):
    wb = load_workbook(io.BytesIO(download(client_for(leader), "export_xlsx").content))
    ws = wb["Lĩnh vực – Sở, ban, ngành"]
    header = [c.value for c in ws[3]]
    assert header[:2] == ["STT", "Tên đơn vị"] and len(header) == 2 + 4 * 3
    first = (
        UnitResult.objects.filter(run=world["run"], group__code="department").order_by("rank", "display_order").first()
    )
    row = as_decimals([c.value for c in ws[4]])
    assert row[1] == first.unit.name
    for i, d in enumerate(first.breakdown["domains"]):
        assert row[2 + 3 * i : 5 + 3 * i] == [Decimal(d["points"]), Decimal(d["max"]), Decimal(d["pct"])]


@pytest.fixture
def hostile_world(db):
    w = make_world(years=(2021,), departments=2, districts=1)
    rnd = w["rounds"][0]
    evil = UnitFactory(
        code="EVIL", name='=HYPERLINK("http://evil.example","x")', group=w["groups"][0], display_order=50
    )
    plus = UnitFactory(code="PLUS", name="+84 Ban quản lý", group=w["groups"][0], display_order=51)
    tab = UnitFactory(code="TAB", name="\t@SUM(A1)", group=w["groups"][0], display_order=52)
    space = UnitFactory(code="SPACE", name=" =cmd|' /C calc'!A0", group=w["groups"][0], display_order=53)
    feed = UnitFactory(code="FEED", name="\n-2+3", group=w["groups"][0], display_order=54)
    for u in (evil, plus, tab, space, feed):
        add_to_round(round=rnd, unit=u)
    rnd.bands = [{"label": "-Xuất sắc", "min": "90"}, {"label": "@Tốt", "min": "0"}]
    rnd.save()
    w["run"] = make_run(round=rnd)
    return w


def test_xlsx_and_csv_escape_formula_like_text(hostile_world, leader, client_for):
    client = client_for(leader)
    wb = load_workbook(io.BytesIO(download(client, "export_xlsx").content))
    names = [ws.cell(row=r, column=2).value for ws in wb.worksheets for r in range(4, ws.max_row + 1)]
    assert '\'=HYPERLINK("http://evil.example","x")' in names and "'+84 Ban quản lý" in names
    assert "'\t@SUM(A1)" in names
    bands = {ws.cell(row=r, column=9).value for ws in wb.worksheets[:1] for r in range(4, ws.max_row + 1)}
    assert bands <= {"'-Xuất sắc", "'@Tốt"} and bands
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")), value
    text = download(client, "export_csv").content.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        for value in row:
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n"), value
            # Whitespace or a line feed before a formula character starts a formula in some programs too.
            assert value.lstrip()[:1] not in ("=", "+", "-", "@"), value
    assert "'=HYPERLINK" in text and "' =cmd" in text and "'\n-2+3" in text


def test_safe_text_quotes_only_dangerous_leading_characters():
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("\rabc") == "'\rabc"
    assert safe_text("Sở Lao động - Thương binh") == "Sở Lao động - Thương binh"
    assert safe_text(None) == ""


def test_csv_is_utf8_with_bom_and_equals_the_results(world, leader, client_for):
    response = download(client_for(leader), "export_csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Khối", *HEADERS]
    by_name = {row[2]: row for row in rows[1:]}
    results = UnitResult.objects.filter(run=world["run"]).select_related("unit", "group")
    assert len(by_name) == results.count()
    for r in results:
        row = by_name[r.unit.name]
        assert row[0] == r.group.name
        assert row[3:11] == [
            vn(r.self_total),
            vn(r.appraised_total),
            vn(r.cs_points + r.sipas_points),
            vn(r.total),
            vn(r.index_pct),
            str(r.rank),
            r.band,
            "; ".join(w["message"] for w in r.warnings),
        ]


def test_pdf_report_text_carries_every_units_figures(world, leader, client_for, django_capture_on_commit_callbacks):
    client = client_for(leader)
    with django_capture_on_commit_callbacks(execute=True):  # the report task runs eagerly once the row commits
        client.get(reverse("dashboard:export_pdf", args=[2021]))
    response = download(client, "export_pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Sở, ban, ngành" in flat and "UBND cấp huyện" in flat
    for r in UnitResult.objects.filter(run=world["run"]).select_related("unit"):
        # The announcement row: name, self, appraised, survey, total, index, rank, band.
        expected = " ".join(
            [
                r.unit.name,
                vn(r.self_total),
                vn(r.appraised_total),
                vn(r.cs_points + r.sipas_points),
                vn(r.total),
                vn(r.index_pct),
                str(r.rank),
                r.band,
            ]
        )
        assert expected in flat
    # The unit whose SIPAS was not measured carries the warning into the report.
    note = re.search(
        r"Huyện số 002: ([^:]*: [\d., ]+; )*Chưa có dữ liệu điều tra, không tính vào điểm tối đa áp dụng: 4", flat
    )
    assert note is not None
    fonts = {str(f) for page in reader.pages for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values()}
    embedded = [
        reader.get_object(f)["/BaseFont"] for page in reader.pages for f in (page["/Resources"]["/Font"]).values()
    ]
    assert any("DejaVu" in str(name) for name in embedded), fonts


def test_exports_never_use_an_unpublished_run(world, leader, admin_user, client_for):
    newer = make_run(round=world["round"], published=False, seed=42)
    client = client_for(admin_user)
    wb = load_workbook(io.BytesIO(download(client, "export_xlsx").content))
    ws = wb["Sở, ban, ngành"]
    published = {r.unit.name: r.index_pct for r in UnitResult.objects.filter(run=world["run"]).select_related("unit")}
    for row in ws.iter_rows(min_row=4, values_only=True):
        assert as_decimals(row)[6] == published[row[1]]
    assert response_filename(client.get(reverse("dashboard:export_csv", args=[2021]))).endswith(
        f"run{world['run'].pk}.csv"
    )
    assert newer.pk != world["run"].pk


def response_filename(response) -> str:
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def test_exports_of_round_without_published_run_are_404(world, admin_user, client_for):
    from tests.factories import RoundFactory

    rnd = RoundFactory(year=2022)
    make_run(round=rnd, units=[], published=False)
    for name in ("export_xlsx", "export_csv", "export_pdf"):
        assert client_for(admin_user).get(reverse(f"dashboard:{name}", args=[2022])).status_code == 404
