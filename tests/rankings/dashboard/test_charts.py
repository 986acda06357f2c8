from decimal import Decimal

from django.utils import translation

from rankings.dashboard import charts


def test_hbar_has_one_bar_per_row_with_width_proportional_to_value():
    with translation.override("vi"):
        svg = str(
            charts.hbar(
                title="t",
                rows=[("A", Decimal("50"), "#000", "50,00"), ("B", Decimal("100"), "#111", "x")],
                width=760,
                label_width=260,
            )
        )
    # plot width = 760 − 260 − 150 = 350: 50 % → 175,0 and 100 % → 350,0
    assert svg.count('class="bar"') == 2
    assert 'width="175.0"' in svg and 'width="350.0"' in svg


def test_chart_labels_are_escaped_and_numbers_use_the_decimal_comma():
    with translation.override("vi"):
        svg = str(
            charts.heatmap(
                title="<b>", rows=['<script>alert("x")</script>'], columns=["LV1"], values=[[Decimal("91.25")]]
            )
        )
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


def test_axis_maximum_is_a_round_number_at_least_the_largest_value():
    assert charts.nice_max(Decimal("103.25")) == Decimal("120")  # steps of 30
    assert charts.nice_max(Decimal("46.18")) == Decimal("60")  # steps of 15
    assert charts.nice_max(Decimal("19.25")) == Decimal("20")  # steps of 5
    assert charts.nice_max(Decimal("7")) == Decimal("8")  # steps of 2


def test_axis_labels_drop_needless_decimals():
    with translation.override("vi"):
        assert charts.tick(Decimal("15")) == "15"
        assert charts.tick(Decimal("0.3")) == "0,3"
        assert charts.tick(Decimal("2.50")) == "2,5"


def test_line_chart_axis_starts_at_a_multiple_of_twenty_below_the_lowest_value():
    with translation.override("vi"):
        svg = str(
            charts.line_chart(title="t", x_labels=["2020", "2021"], series=[("A", [Decimal("72.5"), Decimal("81")])])
        )
    # lowest 72,5 − 5 = 67,5 → 60; ticks 60, 70, 80, 90, 100
    assert ">60</text>" in svg and ">70</text>" in svg and ">0</text>" not in svg


def test_line_chart_spreads_the_years_across_the_plot():
    import re

    svg = str(
        charts.line_chart(
            title="t",
            x_labels=["2019", "2020", "2021"],
            series=[("A", [Decimal("70"), Decimal("80"), Decimal("90")])],
            width=760,
        )
    )
    xs = [float(x) for x in re.findall(r'<circle class="point" cx="([0-9.]+)"', svg)]
    # left 46, right 20: plot 694 wide, years at 46, 393 and 740
    assert xs == [46.0, 393.0, 740.0]
