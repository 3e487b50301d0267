"""Server-rendered, accessible SVG charts: no JavaScript, readable on a 360 px phone.

Every chart is one inline `<svg role="img">` whose `<title>` and `<desc>` are
referenced with `aria-labelledby`; the description carries the figures as
text, so a screen reader hears the data, not a picture. A chart never stands
alone: the page shows the same figures in a data table beside it.

Series are told apart by colour *and* by a fill pattern and a legend (and,
where they fit, by numbers written on the bars), never by colour alone. The
colours of `PALETTE` keep a contrast of at least 4.5:1 against white, both as
shapes on the page and as the background of white numbers.

The drawing is in a fixed coordinate system (`VIEW_WIDTH` wide) scaled to the
width of the page by its viewBox. Shared pieces (the document with its title,
description and patterns, the legend, `LinearScale`) are what each kind of
chart builds on.

    chart = Chart(id="status", title="Commitments by status", description="...",
                  series=(Series("open", "Open", PALETTE[0]), ...),
                  rows=(Row("Fiscalía", (2, 1, ...)), ...))
    stacked_bars(chart)   # SafeString, to put in a template with {{ chart }}

The kinds: `stacked_bars` and `paired_bars` (rows are bars); `funnel` (one series,
rows are the steps, centred bars that narrow as cases are lost); `line_chart`
(rows are points along an x axis, at `positions` when they are not evenly
spaced, e.g. dates; series are lines told apart by marker shape and dash;
`Reference` lines such as a baseline run across the plot); `sparkline` (the
same data as a small line without axes, for small multiples).
"""

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

# The drawing's coordinate system: text of FONT_SIZE units reads at about
# 12 px on a 360 px phone and the chart never grows beyond the width static/css/mesa.css
# gives `svg.chart` (36rem; 12rem for `svg.sparkline`) on a desktop: a class, not a style
# attribute, which the Content-Security-Policy would block.
VIEW_WIDTH = 400
FONT_SIZE = 14
CHAR_WIDTH = FONT_SIZE * 0.6  # a generous average, to decide what fits
LINE_HEIGHT = 20
INK = "#1b1f24"
MUTED = "#4a5561"
PAPER = "#ffffff"

# Dark enough for shapes on white (3:1) and for white text on them (4.5:1); see contrast_ratio().
PALETTE = (
    "#0b5394",  # blue
    "#6a3d9a",  # purple
    "#1e6b35",  # green
    "#8a5a00",  # ochre
    "#a1161b",  # red
    "#4a5561",  # slate
)

# Drawn in white over the series' colour, so the pattern shows in print and to the colour-blind.
PATTERNS = ("solid", "diagonal", "dots", "crosshatch", "horizontal", "vertical", "backdiagonal")

ValueFormat = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One kind of value: a status of a stacked bar, one bar of a pair, one line."""

    key: str
    label: str
    colour: str = PALETTE[0]
    pattern: str = "solid"

    def __post_init__(self):
        if self.pattern not in PATTERNS:
            raise ValueError(f"unknown pattern {self.pattern!r}")


@dataclass(frozen=True)
class Row:
    """One bar (or group of bars): a label and one value per series (None: not known).

    `notes` are short texts written after the bar of the same series (e.g. a share)."""

    label: str
    values: tuple[float | None, ...]
    notes: tuple[str, ...] = ()

    def note(self, index: int) -> str:
        return self.notes[index] if index < len(self.notes) else ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    series: tuple[Series, ...]
    rows: tuple[Row, ...]

    def __post_init__(self):
        for row in self.rows:
            if len(row.values) != len(self.series):
                raise ValueError(f"row {row.label!r} has {len(row.values)} values for "
                                 f"{len(self.series)} series")

    @property
    def dom_id(self) -> str:
        return "chart-" + (slugify(self.id) or "x")


# --- Shared pieces ----------------------------------------------------------------------


def default_format(value: float) -> str:
    """A number in the current language's format: 1,200 in English, 1 200 in Spanish; 2.5 or 2,5."""
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(value, decimal_pos=1, force_grouping=True)


class LinearScale:
    """Maps 0..`maximum` onto 0..`length` units. With `nice`, the maximum is rounded up to
    1, 2, 2.5 or 5 times a power of ten, as an axis with ticks needs; bars without an axis
    fill the room instead."""

    def __init__(self, maximum: float, length: float, *, nice: bool = True, tick_count: int = 4):
        self.length = length
        self.tick_count = tick_count
        self.maximum = nice_ceiling(maximum) if nice else (maximum if maximum > 0 else 1.0)

    def __call__(self, value: float) -> float:
        if self.maximum <= 0:
            return 0.0
        return max(0.0, min(value, self.maximum)) / self.maximum * self.length

    def ticks(self) -> list[float]:
        """Evenly spaced values from 0 to the maximum, for an axis."""
        step = self.maximum / self.tick_count
        return [round(step * index, 10) for index in range(self.tick_count + 1)]


def nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover  (the loop always returns)


def relative_luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[index:index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two "#rrggbb" colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def fits(text: str, width: float) -> bool:
    return len(text) * CHAR_WIDTH + 6 <= width


def clip(text: str, width: float) -> str:
    """`text`, cut with an ellipsis to fit `width` units (the description has it in full)."""
    room = int((width - 6) / CHAR_WIDTH)
    return text if len(text) <= room else text[:max(room - 1, 1)].rstrip() + "…"


def _pattern_id(chart: Chart, series: Series) -> str:
    return f"{chart.dom_id}-{slugify(series.key) or 'series'}"


def _pattern(chart: Chart, series: Series) -> SafeString:
    """A tile of the series' colour with white marks of its pattern."""
    marks = {
        "solid": "",
        "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.5"/>',
        "backdiagonal": '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="#fff" stroke-width="1.5"/>',
        "dots": '<circle cx="2" cy="2" r="1.3" fill="#fff"/><circle cx="6" cy="6" r="1.3" fill="#fff"/>',
        "crosshatch": '<path d="M0,4 h8 M4,0 v8" stroke="#fff" stroke-width="1"/>',
        "horizontal": '<path d="M0,2 h8 M0,6 h8" stroke="#fff" stroke-width="1.2"/>',
        "vertical": '<path d="M2,0 v8 M6,0 v8" stroke="#fff" stroke-width="1.2"/>',
    }[series.pattern]
    return format_html(
        '<pattern id="{}" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="{}"/>{}</pattern>',
        _pattern_id(chart, series), series.colour, mark_safe(marks),  # noqa: S308  (constant markup)
    )


def _fill(chart: Chart, series: Series) -> str:
    return f"url(#{_pattern_id(chart, series)})"


def _legend(chart: Chart, top: float) -> tuple[SafeString, float]:
    """Swatches with the series' patterns and labels, wrapped into lines; returns (markup, height)."""
    items, x, y = [], 0.0, top
    for series in chart.series:
        width = 16 + 6 + len(series.label) * CHAR_WIDTH + 14
        if x and x + width > VIEW_WIDTH:
            x, y = 0.0, y + LINE_HEIGHT
        items.append(format_html(
            '<g transform="translate({} {})"><rect width="16" height="14" y="-11" fill="{}" stroke="{}"/>'
            '<text x="22">{}</text></g>',
            _n(x), _n(y), _fill(chart, series), INK, series.label,
        ))
        x += width
    return SafeString("".join(items)), (y - top) + LINE_HEIGHT


def _describe(chart: Chart, value_format: ValueFormat) -> str:
    """The chart's figures as sentences: what a screen reader reads instead of the picture."""
    lines = []
    for row in chart.rows:
        parts = []
        for index, (series, value) in enumerate(zip(chart.series, row.values, strict=True)):
            shown = "—" if value is None else value_format(value)
            if note := row.note(index):
                shown = f"{shown} ({note})"
            parts.append(_("%(series)s: %(value)s") % {"series": series.label, "value": shown})
        lines.append(_("%(label)s — %(values)s.") % {"label": row.label, "values": ", ".join(parts)})
    return " ".join([chart.description, *lines]).strip()


def _document(chart: Chart, height: float, body: SafeString, value_format: ValueFormat, *,
              description: str | None = None, width: float = VIEW_WIDTH,
              css_class: str = "chart") -> SafeString:
    title_id, desc_id = f"{chart.dom_id}-title", f"{chart.dom_id}-desc"
    defs = format_html_join("", "{}", ((_pattern(chart, series),) for series in chart.series))
    return format_html(
        '<svg id="{id}" class="{css_class}" role="img" aria-labelledby="{title_id} {desc_id}" '
        'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{title_id}">{title}</title><desc id="{desc_id}">{desc}</desc>'
        '<defs>{defs}</defs>'
        '<g font-size="{font_size}" fill="{ink}" font-family="inherit">{body}</g></svg>',
        id=chart.dom_id, css_class=css_class, title_id=title_id, desc_id=desc_id, width=_n(width),
        height=_n(height), title=chart.title,
        desc=_describe(chart, value_format) if description is None else description, defs=defs,
        font_size=FONT_SIZE, ink=INK, body=body,
    )


def _n(value: float) -> str:
    """A coordinate, short and locale-free."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _row_label(row: Row, y: float) -> SafeString:
    return format_html('<text x="0" y="{}" font-weight="600">{}</text>', _n(y), clip(row.label, VIEW_WIDTH))


def _value_text(text: str, x: float, y: float) -> SafeString:
    return format_html('<text x="{}" y="{}">{}</text>', _n(x), _n(y), text)


def _empty(chart: Chart, value_format: ValueFormat) -> SafeString:
    body = format_html('<text x="0" y="{}" fill="{}">{}</text>', LINE_HEIGHT, MUTED, _("No data yet."))
    return _document(chart, LINE_HEIGHT * 1.6, body, value_format)


# --- Charts -----------------------------------------------------------------------------

BAR_HEIGHT = 22
PAIR_BAR_HEIGHT = 14
ROW_GAP = 12
# Room kept at the right of the longest bar for the number written after it.
END_LABEL_ROOM = 90


def stacked_bars(chart: Chart, *, value_format: ValueFormat = default_format) -> SafeString:
    """One horizontal bar per row, made of one segment per series (e.g. commitments by status).

    Bars share one scale, so they compare; each segment shows its number when it fits,
    and the row's total follows the bar. Rows with nothing draw no bar, just "0"."""
    if not chart.rows:
        return _empty(chart, value_format)
    legend, legend_height = _legend(chart, LINE_HEIGHT - 6)
    totals = [sum(value or 0 for value in row.values) for row in chart.rows]
    scale = LinearScale(max(totals), VIEW_WIDTH - END_LABEL_ROOM, nice=False)
    parts, y = [legend], legend_height + 8
    for row, total in zip(chart.rows, totals, strict=True):
        y += LINE_HEIGHT - 4
        parts.append(_row_label(row, y))
        y += 6
        x = 0.0
        for series, value in zip(chart.series, row.values, strict=True):
            if not value:
                continue
            width = scale(value)
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="1"/>',
                _n(x), _n(y), _n(width), BAR_HEIGHT, _fill(chart, series), PAPER,
            ))
            text = value_format(value)
            if fits(text, width):
                parts.append(format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}" stroke="{}" stroke-width="3" '
                    'paint-order="stroke" font-weight="700">{}</text>',
                    _n(x + width / 2), _n(y + BAR_HEIGHT / 2 + FONT_SIZE / 2 - 2), PAPER, series.colour, text,
                ))
            x += width
        end = value_format(total)
        if note := row.note(0):
            end = f"{end} · {note}"
        parts.append(_value_text(end, x + 6, y + BAR_HEIGHT / 2 + FONT_SIZE / 2 - 2))
        y += BAR_HEIGHT + ROW_GAP
    return _document(chart, y, SafeString("".join(parts)), value_format)


def paired_bars(chart: Chart, *, value_format: ValueFormat = default_format) -> SafeString:
    """For each row, one thin horizontal bar per series, one under the other (e.g. requested
    against delivered), on one shared scale, each followed by its number and its note."""
    if not chart.rows:
        return _empty(chart, value_format)
    legend, legend_height = _legend(chart, LINE_HEIGHT - 6)
    known = [value for row in chart.rows for value in row.values if value is not None]
    scale = LinearScale(max(known, default=0), VIEW_WIDTH - END_LABEL_ROOM, nice=False)
    parts, y = [legend], legend_height + 8
    for row in chart.rows:
        y += LINE_HEIGHT - 4
        parts.append(_row_label(row, y))
        y += 6
        for index, (series, value) in enumerate(zip(chart.series, row.values, strict=True)):
            width = scale(value) if value else 0.0
            if width:
                parts.append(format_html(
                    '<rect x="0" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="1"/>',
                    _n(y), _n(width), PAIR_BAR_HEIGHT, _fill(chart, series), series.colour,
                ))
            text = "—" if value is None else value_format(value)
            if note := row.note(index):
                text = f"{text} ({note})"
            parts.append(_value_text(text, width + 6, y + PAIR_BAR_HEIGHT - 2))
            y += PAIR_BAR_HEIGHT + 3
        y += ROW_GAP - 3
    return _document(chart, y, SafeString("".join(parts)), value_format)


def series_from(pairs: Sequence[tuple[str, str]], *, patterns: Sequence[str] = PATTERNS,
                colours: Sequence[str] = PALETTE) -> tuple[Series, ...]:
    """Series for (key, label) pairs, each with its own colour and pattern, in order."""
    return tuple(Series(key, str(label), colours[index % len(colours)], patterns[index % len(patterns)])
                 for index, (key, label) in enumerate(pairs))


# --- Funnel -----------------------------------------------------------------------------


def _wrap(text: str, width: float) -> list[str]:
    """`text` in lines that fit `width` units."""
    return textwrap.wrap(text, max(int((width - 6) / CHAR_WIDTH), 10)) or [""]


def funnel(chart: Chart, *, value_format: ValueFormat = default_format) -> SafeString:
    """Steps one under the other, each a bar centred on the drawing and as wide as its share of
    the largest step (e.g. the justice chain: arrests, cases handed to prosecutors, charges,
    convictions): where the bars narrow, cases are lost. Draws the first series; each step's
    name is written above its bar, its number on the bar (beside it when it does not fit) and
    its note (the share that reached it, what was lost) under it, so nothing rests on colour."""
    if not chart.rows:
        return _empty(chart, value_format)
    series = chart.series[0]
    known = [row.values[0] for row in chart.rows if row.values[0] is not None]
    scale = LinearScale(max(known, default=0), VIEW_WIDTH, nice=False)
    parts, y = [], 0.0
    for row in chart.rows:
        value = row.values[0]
        y += LINE_HEIGHT - 4
        parts.append(_row_label(row, y))
        y += 6
        width = scale(value) if value else 0.0
        text = "—" if value is None else value_format(value)
        text_y = y + BAR_HEIGHT / 2 + FONT_SIZE / 2 - 2
        if width:
            parts.append(format_html(
                '<rect class="step" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" '
                'stroke-width="1"/>',
                _n((VIEW_WIDTH - width) / 2), _n(y), _n(width), BAR_HEIGHT, _fill(chart, series),
                series.colour,
            ))
        if width and fits(text, width):
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="middle" fill="{}" stroke="{}" stroke-width="3" '
                'paint-order="stroke" font-weight="700">{}</text>',
                _n(VIEW_WIDTH / 2), _n(text_y), PAPER, series.colour, text,
            ))
        elif width:
            parts.append(_value_text(text, (VIEW_WIDTH + width) / 2 + 6, text_y))
        else:
            parts.append(format_html('<text x="{}" y="{}" text-anchor="middle">{}</text>',
                                     _n(VIEW_WIDTH / 2), _n(text_y), text))
        y += BAR_HEIGHT
        for line in _wrap(row.note(0), VIEW_WIDTH) if row.note(0) else []:
            y += LINE_HEIGHT - 2
            parts.append(format_html('<text x="0" y="{}" fill="{}">{}</text>', _n(y), MUTED, line))
        y += ROW_GAP
    return _document(chart, y, SafeString("".join(parts)), value_format)


# --- Line charts and sparklines ---------------------------------------------------------

# Lines are told apart by the shape of their points and by their dash, as well as by colour.
MARKERS = ("circle", "diamond", "square", "triangle")
DASHES = ("", "8 4", "2 4", "10 4 2 4")
REFERENCE_DASH = "5 4"
GRID = "#d0d7de"
PLOT_HEIGHT = 180
SPARK_WIDTH = 160
SPARK_HEIGHT = 48


@dataclass(frozen=True)
class Reference:
    """A horizontal line across the plot at `value` (e.g. a baseline), dashed and named."""

    label: str
    value: float
    colour: str = MUTED


def _marker(shape: str, x: float, y: float, size: float, colour: str, *, key: str, tip: str) -> SafeString:
    """One point of a line: a shape of its series, with its figure as a tooltip."""
    attributes = format_html('class="point" data-series="{}" fill="{}" stroke="{}" stroke-width="1"',
                             key, colour, PAPER)
    tip_markup = format_html("<title>{}</title>", tip)
    if shape == "square":
        return format_html('<rect x="{}" y="{}" width="{}" height="{}" {}>{}</rect>',
                           _n(x - size), _n(y - size), _n(2 * size), _n(2 * size), attributes, tip_markup)
    if shape == "diamond":
        s = size * 1.35
        d = f"M{_n(x)},{_n(y - s)} L{_n(x + s)},{_n(y)} L{_n(x)},{_n(y + s)} L{_n(x - s)},{_n(y)} Z"
        return format_html('<path d="{}" {}>{}</path>', d, attributes, tip_markup)
    if shape == "triangle":
        s = size * 1.35
        d = f"M{_n(x)},{_n(y - s)} L{_n(x + s)},{_n(y + s * 0.8)} L{_n(x - s)},{_n(y + s * 0.8)} Z"
        return format_html('<path d="{}" {}>{}</path>', d, attributes, tip_markup)
    return format_html('<circle cx="{}" cy="{}" r="{}" {}>{}</circle>', _n(x), _n(y), _n(size), attributes,
                       tip_markup)


def _positions(chart: Chart, positions: Sequence[float] | None) -> list[float]:
    if positions is None:
        return [float(index) for index in range(len(chart.rows))]
    positions = [float(p) for p in positions]
    if len(positions) != len(chart.rows):
        raise ValueError(f"{len(positions)} positions for {len(chart.rows)} rows")
    return positions


def _x_scale(positions: list[float], left: float, right: float) -> Callable[[float], float]:
    low, high = min(positions, default=0.0), max(positions, default=0.0)
    if high == low:
        return lambda position: (left + right) / 2
    return lambda position: left + (position - low) / (high - low) * (right - left)


def _describe_points(chart: Chart, references: Sequence[Reference], value_format: ValueFormat) -> str:
    """Each line's points as text (label and figure), then the reference lines."""
    lines = [chart.description]
    for index, series in enumerate(chart.series):
        points = [_("%(label)s: %(value)s") % {"label": row.label, "value": value_format(row.values[index])}
                  for row in chart.rows if row.values[index] is not None]
        if points:
            lines.append(_("%(series)s — %(points)s.")
                         % {"series": series.label, "points": "; ".join(points)})
    for reference in references:
        lines.append(_("%(label)s: %(value)s.") % {"label": reference.label,
                                                    "value": value_format(reference.value)})
    return " ".join(line for line in lines if line).strip()


def _lines(chart: Chart, xs: list[float], y_of: Callable[[float], float], value_format: ValueFormat, *,
           size: float, stroke_width: float) -> list[SafeString]:
    """Each series as a line through its known points (in the order of x), and the points."""
    parts = []
    for index, series in enumerate(chart.series):
        points = sorted(((x, y_of(row.values[index]), row, row.values[index])
                         for x, row in zip(xs, chart.rows, strict=True) if row.values[index] is not None),
                        key=lambda point: point[0])
        if len(points) > 1:
            d = " ".join(f"{'L' if i else 'M'}{_n(p[0])},{_n(p[1])}" for i, p in enumerate(points))
            dash = DASHES[index % len(DASHES)]
            parts.append(format_html(
                '<path class="line" data-series="{}" d="{}" fill="none" stroke="{}" stroke-width="{}" '
                'stroke-linejoin="round"{}/>',
                series.key, d, series.colour, _n(stroke_width),
                format_html(' stroke-dasharray="{}"', dash) if dash else "",
            ))
        shape = MARKERS[index % len(MARKERS)]
        for x, y, row, value in points:
            tip = _("%(series)s, %(label)s: %(value)s") % {"series": series.label, "label": row.label,
                                                            "value": value_format(value)}
            parts.append(_marker(shape, x, y, size, series.colour, key=series.key, tip=tip))
    return parts


def _reference_line(reference: Reference, left: float, right: float, y: float, **extra) -> SafeString:
    return format_html(
        '<line class="reference" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="{}" '
        'stroke-dasharray="{}"/>',
        _n(left), _n(right), _n(y), _n(y), reference.colour, extra.get("width", "1.5"), REFERENCE_DASH,
    )


def _line_legend(chart: Chart, references: Sequence[Reference], top: float) -> tuple[SafeString, float]:
    """A sample of each line (its dash and point shape) and of each reference line, with labels."""
    items, x, y = [], 0.0, top
    samples = [(series.label, series.colour, DASHES[index % len(DASHES)], MARKERS[index % len(MARKERS)],
                series.key) for index, series in enumerate(chart.series)]
    samples += [(reference.label, reference.colour, REFERENCE_DASH, None, "") for reference in references]
    for label, colour, dash, shape, key in samples:
        width = 28 + 6 + len(label) * CHAR_WIDTH + 14
        if x and x + width > VIEW_WIDTH:
            x, y = 0.0, y + LINE_HEIGHT
        marker = (_marker(shape, 14, -5, 4, colour, key=f"legend-{key}", tip=label).replace(
            'class="point"', 'class="legend-point"') if shape else "")
        items.append(format_html(
            '<g transform="translate({} {})"><line x1="0" x2="28" y1="-5" y2="-5" stroke="{}" '
            'stroke-width="2.5"{}/>{}<text x="34">{}</text></g>',
            _n(x), _n(y), colour, format_html(' stroke-dasharray="{}"', dash) if dash else "",
            mark_safe(marker), label,  # noqa: S308  (built with format_html above)
        ))
        x += width
    return SafeString("".join(items)), (y - top) + LINE_HEIGHT


def _spaced_labels(candidates: list[tuple[float, str]], gap: float = 10) -> list[tuple[float, str]]:
    """The x axis labels that fit without overlapping: the first, the last, and as many
    between as there is room for."""
    if not candidates:
        return []

    def half(text: str) -> float:
        return len(text) * CHAR_WIDTH / 2

    first, last = candidates[0], candidates[-1]
    placed = [first]
    for x, text in candidates[1:-1]:
        px, ptext = placed[-1]
        if x - half(text) >= px + half(ptext) + gap and x + half(text) + gap <= last[0] - half(last[1]):
            placed.append((x, text))
    if len(candidates) > 1:
        px, ptext = placed[-1]
        if last[0] - half(last[1]) >= px + half(ptext) + gap:
            placed.append(last)
        elif len(placed) > 1:
            placed[-1] = last
    return placed


def line_chart(chart: Chart, *, positions: Sequence[float] | None = None,
               references: Sequence[Reference] = (), y_label: str = "", x_label: str = "",
               value_format: ValueFormat = default_format) -> SafeString:
    """Rows as points along an x axis, one line per series (e.g. an indicator's figures and its
    targets), on a y axis from 0 with ticks and grid lines.

    `positions` place the rows along x (e.g. day numbers of dates, so that a target a year
    ahead sits a year ahead); by default they are evenly spaced. A series' None values are
    skipped and its line joins the known points. `references` are dashed horizontal lines
    named in the legend and beside the line (a baseline). The description lists every
    point of every line, so the chart reads without the picture and without colour."""
    description = _describe_points(chart, references, value_format)
    known = [value for row in chart.rows for value in row.values if value is not None]
    if not known:
        return _document(chart, LINE_HEIGHT * 1.6, format_html(
            '<text x="0" y="{}" fill="{}">{}</text>', LINE_HEIGHT, MUTED, _("No data yet.")),
            value_format, description=description)
    xs_positions = _positions(chart, positions)
    legend, legend_height = _line_legend(chart, references, LINE_HEIGHT - 6)
    parts, top = [legend], legend_height + 4
    if y_label:
        top += LINE_HEIGHT - 6
        parts.append(format_html('<text class="axis-label" x="0" y="{}" fill="{}">{}</text>',
                                 _n(top), MUTED, clip(y_label, VIEW_WIDTH)))
    top += FONT_SIZE  # room for the top tick's label
    scale = LinearScale(max(known + [float(r.value) for r in references]), PLOT_HEIGHT)
    ticks = scale.ticks()
    tick_labels = [value_format(tick) for tick in ticks]
    left = max(len(text) for text in tick_labels) * CHAR_WIDTH + 10
    right = VIEW_WIDTH - 4
    bottom = top + PLOT_HEIGHT

    def y_of(value: float) -> float:
        return bottom - scale(float(value))

    x_of = _x_scale(xs_positions, left + 14, right - 14)
    xs = [x_of(position) for position in xs_positions]
    for tick, text in zip(ticks, tick_labels, strict=True):
        y = y_of(tick)
        parts.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>',
                                 _n(left), _n(right), _n(y), _n(y), GRID))
        parts.append(format_html('<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                                 _n(left - 6), _n(y + FONT_SIZE / 2 - 2), text))
    parts.append(format_html('<path d="M{},{} V{} H{}" fill="none" stroke="{}" stroke-width="1"/>',
                             _n(left), _n(top), _n(bottom), _n(right), INK))
    labels_y = bottom + LINE_HEIGHT - 2
    for x, text in _spaced_labels(sorted(zip(xs, [row.label for row in chart.rows], strict=True))):
        half = len(text) * CHAR_WIDTH / 2
        parts.append(format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>',
                                 _n(x), _n(x), _n(bottom), _n(bottom + 4), INK))
        parts.append(format_html('<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                                 _n(min(max(x, half), VIEW_WIDTH - half)), _n(labels_y), text))
    height = labels_y + 6
    if x_label:
        height += LINE_HEIGHT - 4
        parts.append(format_html('<text class="axis-label" x="{}" y="{}" text-anchor="middle" fill="{}">{}'
                                 '</text>', _n((left + right) / 2), _n(height), MUTED,
                                 clip(x_label, VIEW_WIDTH)))
        height += 6
    for reference in references:
        y = y_of(reference.value)
        parts.append(_reference_line(reference, left, right, y))
        text = _("%(label)s: %(value)s") % {"label": reference.label, "value": value_format(reference.value)}
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="end" fill="{}" stroke="{}" stroke-width="3" '
            'paint-order="stroke">{}</text>', _n(right), _n(y - 5), reference.colour, PAPER,
            clip(text, right - left)))
    parts += _lines(chart, xs, y_of, value_format, size=4, stroke_width=2.5)
    return _document(chart, height, SafeString("".join(parts)), value_format, description=description)


def sparkline(chart: Chart, *, positions: Sequence[float] | None = None, references: Sequence[Reference] = (),
              value_format: ValueFormat = default_format) -> SafeString:
    """The line chart made small, for small multiples: the lines, their points and the
    reference lines on a scale from 0, without axes or legend (the page writes the latest
    figure beside it; the description carries every point)."""
    description = _describe_points(chart, references, value_format)
    known = [value for row in chart.rows for value in row.values if value is not None]
    options = {"description": description, "width": SPARK_WIDTH, "css_class": "chart sparkline"}
    if not known:
        return _document(chart, LINE_HEIGHT * 1.6, format_html(
            '<text x="0" y="{}" fill="{}">{}</text>', LINE_HEIGHT, MUTED, _("No data yet.")),
            value_format, **options)
    pad = 6
    scale = LinearScale(max(known + [float(r.value) for r in references]), SPARK_HEIGHT - 2 * pad, nice=False)

    def y_of(value: float) -> float:
        return SPARK_HEIGHT - pad - scale(float(value))

    x_of = _x_scale(_positions(chart, positions), pad, SPARK_WIDTH - pad)
    xs = [x_of(position) for position in _positions(chart, positions)]
    parts = [format_html('<line x1="0" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>',
                         SPARK_WIDTH, _n(SPARK_HEIGHT - pad), _n(SPARK_HEIGHT - pad), GRID)]
    parts += [_reference_line(reference, 0, SPARK_WIDTH, y_of(reference.value), width="1")
              for reference in references]
    parts += _lines(chart, xs, y_of, value_format, size=2, stroke_width=2)
    return _document(chart, SPARK_HEIGHT, SafeString("".join(parts)), value_format, **options)
