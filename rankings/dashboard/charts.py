"""Server-rendered SVG charts: work offline, need no script, and serve the web pages and the PDF alike.

Each function returns safe SVG markup. Labels are escaped; numbers use the active language's format
(Vietnamese: decimal comma). Colours are presentation attributes, never style attributes, so a strict
Content-Security-Policy needs no exception.
"""

from __future__ import annotations

import base64
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Bands from best to worst: green to red.
BAND_COLOURS = ["#1b7837", "#5aae61", "#2166ac", "#f4a582", "#b2182b", "#762a83", "#777777"]
SERIES_COLOURS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
PRINT_LABELLED_ROWS = 60
FONT = 'font-family="DejaVu Sans, Noto Sans, Arial, sans-serif"'


def num(value, places: int = 2) -> str:
    if value is None:
        return "–"
    # Round half up as everywhere in the index (number_format alone would round half to even).
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(value, decimal_pos=places, use_l10n=True)


def nice_max(value: Decimal) -> Decimal:
    """The smallest of 1; 1,2; 2; 4; 6; 8 × 10^k at least ``value``: four grid steps of round size."""
    value = Decimal(value)
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    scale = Decimal(10) ** exponent
    # Bases whose quarter is a round step (0,25 0,3 0,5 1 1,5 2 2,5 × 10^k).
    for base in ("1", "1.2", "2", "4", "6", "8", "10"):
        candidate = Decimal(base) * scale
        if candidate >= value:
            return candidate
    return Decimal(10) * scale


def tick(value: Decimal) -> str:
    """An axis label: whole numbers without decimals, others with what they need."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return num(value, 0)
    return num(value, 2).rstrip("0").rstrip(",.")


def band_colour(index: int) -> str:
    return BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)]


def _truncate(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: int, height: int, body: list[str], title: str, css_class: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every label inside body was escaped when built
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _empty(title: str) -> SafeString:
    message = _("No data")
    return _svg(400, 40, [f'<text x="8" y="24" fill="#5b6b7c">{escape(message)}</text>'], title, "empty")


def hbar(
    *,
    title: str,
    rows: list[tuple[str, Decimal | None, str, str]],
    max_value: Decimal = Decimal(100),
    label_width: int = 260,
    width: int = 760,
    bar_height: int = 18,
) -> SafeString:
    """Horizontal bars: rows of (label, value, colour, value text). Used for rankings and lost points."""
    if not rows:
        return _empty(title)
    plot = width - label_width - 150  # room for the value and band after the longest bar
    height = len(rows) * (bar_height + 6) + 30
    body = []
    for grid in range(0, 5):
        v = max_value * grid / 4
        x = label_width + plot * grid / 4
        body.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" stroke="#e3e8ee"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#5b6b7c">{escape(tick(v))}</text>')
    for i, (label, value, colour, text) in enumerate(rows):
        y = 6 + i * (bar_height + 6)
        w = 0 if value is None or max_value <= 0 else float(min(value, max_value) / max_value) * plot
        body.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_truncate(label, 40))}</text>"
        )
        body.append(
            f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        body.append(f'<text class="value" x="{label_width + w + 4:.1f}" y="{y + bar_height - 5}">{escape(text)}</text>')
    return _svg(width, height, body, title, "hbar")


def grouped_hbar(
    *,
    title: str,
    labels: list[str],
    series: list[tuple[str, str, list[Decimal | None]]],
    max_value: Decimal,
    label_width: int = 300,
    width: int = 800,
) -> SafeString:
    """Several bars per label (e.g. self-assessed vs appraised points), with a legend."""
    if not labels:
        return _empty(title)
    bar_h, gap = 9, 8
    block = bar_h * len(series) + gap
    plot = width - label_width - 70
    top = 24
    height = top + len(labels) * block + 26
    body = []
    x = label_width
    for name, colour, _values in series:
        body.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="14">{escape(name)}</text>'
        )
        x += 16 + 7 * len(str(name)) + 24  # about 7 px per character at 12 px
    max_value = max_value or Decimal(1)
    for grid in range(0, 5):
        v = max_value * grid / 4
        x = label_width + plot * grid / 4
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 22}" stroke="#e3e8ee"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#5b6b7c">{escape(tick(v))}</text>')
    for i, label in enumerate(labels):
        y0 = top + i * block
        body.append(
            f'<text x="{label_width - 6}" y="{y0 + bar_h + 3}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_truncate(label, 46))}</text>"
        )
        for k, (name, colour, values) in enumerate(series):
            value = values[i]
            w = 0 if value is None else float(min(value, max_value) / max_value) * plot
            y = y0 + k * bar_h
            body.append(
                f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{colour}"><title>{escape(label)} – {escape(name)}: {escape(num(value))}</title></rect>'
            )
            body.append(
                f'<text class="value" x="{label_width + w + 3:.1f}" y="{y + bar_h - 1}" font-size="9">'
                f"{escape(num(value))}</text>"
            )
    return _svg(width, height, body, title, "grouped")


def _heat_colour(value: Decimal | None) -> str:
    """0 % red → 50 % amber → 100 % green."""
    if value is None:
        return "#eeeeee"
    v = max(0.0, min(float(value), 100.0)) / 100
    if v < 0.5:
        a, b, t = (215, 48, 39), (254, 224, 139), v / 0.5
    else:
        a, b, t = (254, 224, 139), (26, 152, 80), (v - 0.5) / 0.5
    r, g, bl = (round(a[j] + (b[j] - a[j]) * t) for j in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def heatmap(
    *,
    title: str,
    rows: list[str],
    columns: list[str],
    values: list[list[Decimal | None]],
    label_width: int = 260,
    cell_width: int = 58,
    column_titles: list[str] | None = None,
    cell_labels: bool = True,
) -> SafeString:
    """Rows × columns of percentages, each cell coloured and (unless ``cell_labels`` is off) labelled."""
    if not rows or not columns:
        return _empty(title)
    cell_h = 20
    top = 26
    width = label_width + cell_width * len(columns) + 8
    height = top + cell_h * len(rows) + 6
    body = []
    for j, col in enumerate(columns):
        x = label_width + j * cell_width + cell_width / 2
        tip = column_titles[j] if column_titles else col
        body.append(
            f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle" font-weight="bold">'
            f"<title>{escape(tip)}</title>{escape(_truncate(col, 9))}</text>"
        )
    for i, label in enumerate(rows):
        y = top + i * cell_h
        body.append(
            f'<text x="{label_width - 6}" y="{y + cell_h - 6}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_truncate(label, 40))}</text>"
        )
        for j, value in enumerate(values[i]):
            x = label_width + j * cell_width
            colour = _heat_colour(value)
            tip = column_titles[j] if column_titles else columns[j]
            body.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell_width - 2}" height="{cell_h - 2}" fill="{colour}">'
                f"<title>{escape(label)} – {escape(tip)}: {escape(num(value))}</title></rect>"
            )
            if cell_labels:
                body.append(
                    f'<text x="{x + (cell_width - 2) / 2:.1f}" y="{y + cell_h - 6}" text-anchor="middle" '
                    f'font-size="10">{escape(num(value, 1))}</text>'
                )
    return _svg(width, height, body, title, "heatmap")


def line_chart(
    *,
    title: str,
    x_labels: list[str],
    series: list[tuple[str, list[Decimal | None]]],
    max_value: Decimal = Decimal(100),
    width: int = 760,
    height: int = 300,
    zoom: bool = True,
) -> SafeString:
    """Lines over the years with a legend underneath (one line per series).

    With ``zoom`` the vertical axis starts at a multiple of 20 at least 5 below the lowest value (never
    below 0), so differences of a few points stay visible and the four grid steps stay whole numbers.
    """
    if not x_labels or not series:
        return _empty(title)
    present = [v for _n, values in series for v in values if v is not None]
    floor = Decimal(0)
    if zoom and present:
        floor = max(Decimal(0), ((min(present) - 5) // 20) * 20)
        if floor >= max_value:
            floor = Decimal(0)
    span = max_value - floor
    left, right, top = 46, 20, 12
    legend_rows = (len(series) + 2) // 3
    plot_h = height - top - 30
    total_h = height + legend_rows * 16 + 14
    plot_w = width - left - right
    step = plot_w / max(len(x_labels) - 1, 1)
    body = []
    for grid in range(0, 5):
        v = floor + span * grid / 4
        y = top + plot_h - plot_h * grid / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e8ee"/>')
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6b7c">{escape(tick(v))}</text>')
    for j, label in enumerate(x_labels):
        x = left + (step * j if len(x_labels) > 1 else plot_w / 2)
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{escape(label)}</text>')
    for k, (name, values) in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        pts = []
        for j, value in enumerate(values):
            if value is None:
                continue
            x = left + (step * j if len(x_labels) > 1 else plot_w / 2)
            y = top + plot_h - plot_h * float((min(max(value, floor), max_value) - floor) / span)
            pts.append((x, y, value))
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in pts)
            body.append(f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, value in pts:
            body.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(name)}: {escape(num(value))}</title></circle>"
            )
        lx = left + (k % 3) * (plot_w / 3)
        ly = height + 8 + (k // 3) * 16
        body.append(
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14:.1f}" y="{ly}" font-size="11">{escape(_truncate(name, 32))}</text>'
        )
    return _svg(width, total_h, body, title, "lines")


# --- charts of the dashboard, built from the selectors' data -----------------------------------------


def ranking_chart(board, gb) -> SafeString:
    rows = [
        (
            f"{r.result.rank}. {r.unit.name}",
            r.result.index_pct,
            band_colour(r.band_index),
            f"{num(r.result.index_pct)} % · {r.result.band}",
        )
        for r in gb.rows
    ]
    return hbar(title=_("Ranking by index (%%) – %(group)s") % {"group": gb.group.name}, rows=rows)


def band_chart(board, gb) -> SafeString:
    rows = [(label, Decimal(count), band_colour(i), str(count)) for label, i, count in gb.band_counts]
    # A multiple of 4 keeps the four grid steps on whole numbers of units.
    most = max([c for _l, _i, c in gb.band_counts] + [1])
    top = Decimal(-(-most // 4) * 4)
    return hbar(
        title=_("Units per classification – %(group)s") % {"group": gb.group.name},
        rows=rows,
        max_value=top,
        label_width=140,
        width=520,
        bar_height=22,
    )


def domain_heatmap(board, gb, cell_labels: bool = True) -> SafeString:
    codes = [c for c, _n in gb.domains]
    return heatmap(
        title=_("Domain scores (%%) per unit – %(group)s") % {"group": gb.group.name},
        rows=[r.unit.name for r in gb.rows],
        columns=[_("D%(code)s") % {"code": c} for c in codes],
        column_titles=[f"{c}. {n}" for c, n in gb.domains],
        values=[[r.domain_pct(c) for c in codes] for r in gb.rows],
        cell_labels=cell_labels,
    )


def losing_chart(board, gb) -> SafeString:
    rows = [(f"{c['code']}. {c['name']}", c["lost"], "#b2182b", num(c["lost"])) for c in gb.losing_criteria]
    top = nice_max(max([c["lost"] for c in gb.losing_criteria] + [Decimal(1)]))
    return hbar(
        title=_("Criteria losing the most points – %(group)s") % {"group": gb.group.name},
        rows=rows,
        max_value=top,
        label_width=330,
    )


def self_vs_appraised_chart(board, gb) -> SafeString:
    """Units ordered by how far their self-assessment exceeds the appraisal, the gap in the label."""
    rows = sorted(
        gb.rows,
        key=lambda r: (-(r.result.self_total - r.result.appraised_total), r.result.rank, r.result.display_order),
    )
    top = nice_max(max([max(r.result.self_total, r.result.appraised_total) for r in rows] + [Decimal(1)]))

    def label(r) -> str:
        gap = r.result.self_total - r.result.appraised_total
        return f"{r.unit.name} ({'+' if gap > 0 else ''}{num(gap)})"

    return grouped_hbar(
        title=_("Self-assessed and appraised points – %(group)s") % {"group": gb.group.name},
        labels=[label(r) for r in rows],
        series=[
            (_("Self-assessed"), "#f4a582", [r.result.self_total for r in rows]),
            (_("Appraised"), "#2166ac", [r.result.appraised_total for r in rows]),
        ],
        max_value=top,
    )


def sipas_chart(board, gb, element_names: list[str], cell_labels: bool = True) -> SafeString:
    return heatmap(
        title=_("SIPAS: satisfaction per element (%%) – %(group)s") % {"group": gb.group.name},
        rows=[r.unit.name for r in gb.rows],
        columns=[_("E%(n)s") % {"n": i} for i in range(1, 6)],
        column_titles=element_names,
        values=[[r.sipas.get(str(i)) for i in range(1, 6)] for r in gb.rows],
        cell_labels=cell_labels,
    )


def board_charts(board, *, for_print: bool = False) -> list[dict]:
    """Every chart of the dashboard, per ranking group.

    ``for_print``: heat maps of large groups drop their cell labels (the PDF's tables carry the same
    figures), which keeps a report of hundreds of units quick to lay out.
    """
    from surveys.models import SipasElement

    element_names = [str(label) for _v, label in SipasElement.choices]
    out = []
    for gb in board.groups:
        labels = not (for_print and len(gb.rows) > PRINT_LABELLED_ROWS)
        out.append(
            {
                "board": gb,
                "ranking": ranking_chart(board, gb),
                "bands": band_chart(board, gb),
                "heatmap": domain_heatmap(board, gb, cell_labels=labels),
                "losing": losing_chart(board, gb),
                "self_vs_appraised": self_vs_appraised_chart(board, gb),
                "sipas": sipas_chart(board, gb, element_names, cell_labels=labels) if board.sipas_measured else None,
            }
        )
    return out


def as_image(svg: str) -> SafeString:
    """An <img> with the SVG as a data URI: a PDF renderer then styles one element, not thousands."""
    encoded = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return mark_safe(f'<img class="chart" alt="" src="data:image/svg+xml;base64,{encoded}">')  # noqa: S308


def profile_charts(profile) -> dict:
    charts = {}
    if profile.history:
        charts["history"] = line_chart(
            title=_("Index (%) over the years"),
            x_labels=[str(h.round.year) for h in profile.history],
            series=[(str(profile.unit.name), [h.index_pct for h in profile.history])],
            height=220,
        )
    if profile.domains:
        charts["domains"] = grouped_hbar(
            title=_("Domain scores (%) against the group average"),
            labels=[f"{d['code']}. {d['name']}" for d in profile.domains],
            series=[
                (str(profile.unit.name), "#2166ac", [d["pct"] for d in profile.domains]),
                (_("Group average"), "#bbbbbb", [d["group_avg"] for d in profile.domains]),
            ],
            max_value=Decimal(100),
            label_width=300,
        )
    return charts


def trend_charts(trend) -> dict:
    years = [str(y) for y in trend.years]
    return {
        "units": heatmap(
            title=_("Index (%%) per unit and year – %(group)s") % {"group": trend.group.name},
            rows=[u.name for u, _v in trend.units],
            columns=years,
            values=[v for _u, v in trend.units],
        ),
        "domains": line_chart(
            title=_("Province average per domain (%%) – %(group)s") % {"group": trend.group.name},
            x_labels=years,
            series=[(f"{code}. {name}", values) for code, name, values in trend.domains],
        ),
    }
