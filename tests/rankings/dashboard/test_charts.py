from decimal import Decimal

from django.utils import translation

from rankings.dashboard import charts


def test_hbar_has_one_bar_per_row_with_width_proportional_to_value():
    with translation.override("vi"):
        svg = str(charts.hbar(title="t", rows=[("A", Decimal("50"), "#000", "50,00"), ("B", Decimal("100"), "#111", "x")],
                              width=760, label_width=260))
    # plot width = 760 − 260 − 70 = 430: 50 % → 215,0 and 100 % → 430,0
    assert svg.count('class="bar"') == 2
    assert 'width="215.0"' in svg and 'width="430.0"' in svg


def test_chart_labels_are_escaped_and_numbers_use_the_decimal_comma():
    with translation.override("vi"):
        svg = str(charts.heatmap(title="<b>", rows=['<script>alert("x")</script>'], columns=["LV1"],
                                 values=[[Decimal("91.25")]]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "91,25" in svg and "91,3" in svg  # tooltip with 2 places, cell label with 1


def test_charts_carry_no_script_and_no_event_handlers():
    with translation.override("vi"):
        svgs = [
            charts.hbar(title="t", rows=[("A", Decimal("1"), "#000", "1")]),
            charts.grouped_hbar(title="t", labels=["A"], series=[("s", "#000", [Decimal("2")])], max_value=Decimal(4)),
            charts.heatmap(title="t", rows=["A"], columns=["c"], values=[[None]]),
            charts.line_chart(title="t", x_labels=["2020", "2021"], series=[("A", [Decimal("70"), Decimal("80")])]),
        ]
    for svg in svgs:
        assert "<script" not in svg and " on" not in svg.replace(" one", "")


def test_empty_chart_says_so_in_vietnamese():
    with translation.override("vi"):
        assert "Không có dữ liệu" in str(charts.hbar(title="t", rows=[]))


def test_heat_colour_runs_from_red_to_green():
    assert charts._heat_colour(Decimal(0)) == "#d73027"
    assert charts._heat_colour(Decimal(100)) == "#1a9850"
    assert charts._heat_colour(None) == "#eeeeee"
