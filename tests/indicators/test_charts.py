"""The charts of the indicator pages (mesa.charts): the line chart, the sparkline of the small
multiples and the funnel of the justice chain. Each is one labelled image whose description
carries the figures; lines differ by point shape and dash, not only by colour; one point per
figure; the drawing scales by its viewBox to a 360 px phone."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.utils import translation

from mesa import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314  (our own markup, not untrusted input)


def trend(values=(100, 98, 95), target=76) -> tuple[charts.Chart, list[int]]:
    starts = [date(2025, month, 1) for month in range(1, len(values) + 1)]
    rows = [charts.Row(f"{start:%Y-%m}", (value, None)) for start, value in zip(starts, values, strict=True)]
    positions = [start.toordinal() for start in starts]
    if target is not None:
        rows.append(charts.Row("2026-01-01", (None, target)))
        positions.append(date(2026, 1, 1).toordinal())
    chart = charts.Chart(
        id="trend-extortion", title="Extortion: figures per period", description="Extortion in count.",
        series=(charts.Series("figure", "Extortion", charts.PALETTE[0]),
                charts.Series("target", "Target", charts.PALETTE[2])),
        rows=tuple(rows),
    )
    return chart, positions


def points(svg: ET.Element, series: str) -> list[ET.Element]:
    return [e for e in svg.iter() if e.get("class") == "point" and e.get("data-series") == series]


def test_a_line_chart_is_one_labelled_image_whose_description_lists_every_point():
    chart, positions = trend()
    with translation.override("en"):
        svg = parse(charts.line_chart(chart, positions=positions,
                                      references=[charts.Reference("Baseline (2025-01)", 100)],
                                      y_label="Count", x_label="Period"))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Extortion: figures per period"
    assert desc.text == ("Extortion in count. Extortion — 2025-01: 100; 2025-02: 98; 2025-03: 95. "
                         "Target — 2026-01-01: 76. Baseline (2025-01): 100.")
    assert svg.get("viewBox").startswith(f"0 0 {charts.VIEW_WIDTH} ")
    assert svg.get("width") == "100%" and "chart" in svg.get("class").split()
    assert svg.get("style") is None  # the Content-Security-Policy blocks style attributes


def test_a_line_chart_has_one_point_per_figure_with_its_value_as_a_tooltip():
    chart, positions = trend(values=(10, 12, 11, 9, 8))
    with translation.override("en"):
        svg = parse(charts.line_chart(chart, positions=positions))
    figure_points = points(svg, "figure")
    assert len(figure_points) == 5 and len(points(svg, "target")) == 1
    assert [p.find(f"{SVG}title").text for p in figure_points][:2] == ["Extortion, 2025-01: 10",
                                                                       "Extortion, 2025-02: 12"]
    # A higher figure is drawn higher (a smaller y).
    ys = [float(p.get("cy")) for p in figure_points]
    assert ys[1] < ys[0] and ys[4] > ys[3]


def test_lines_differ_by_point_shape_and_dash_not_only_by_colour():
    chart, positions = trend(target=None)
    chart = charts.Chart(id="two", title="t", description="", series=chart.series, rows=tuple(
        charts.Row(row.label, (row.values[0], row.values[0] / 2)) for row in chart.rows))
    svg = parse(charts.line_chart(chart, positions=positions))
    first, second = points(svg, "figure")[0], points(svg, "target")[0]
    assert first.tag != second.tag or first.get("d") is None  # a circle and a diamond
    assert {first.tag, second.tag} == {f"{SVG}circle", f"{SVG}path"}
    lines = {e.get("data-series"): e for e in svg.iter(f"{SVG}path") if e.get("class") == "line"}
    assert lines["figure"].get("stroke-dasharray") is None
    assert lines["target"].get("stroke-dasharray")
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert "Extortion" in texts and "Target" in texts  # the legend names each line


def test_positions_space_points_by_time():
    chart = charts.Chart(id="gaps", title="t", description="", series=(charts.Series("figure", "F"),),
                         rows=(charts.Row("a", (1,)), charts.Row("b", (2,)), charts.Row("c", (3,))))
    svg = parse(charts.line_chart(chart, positions=[0, 1, 10]))
    xs = [float(p.get("cx")) for p in points(svg, "figure")]
    assert (xs[1] - xs[0]) * 9 == pytest.approx(xs[2] - xs[1], abs=0.5)
    with pytest.raises(ValueError):
        charts.line_chart(chart, positions=[0, 1])


def test_the_y_axis_starts_at_zero_with_round_ticks_and_a_dashed_reference_line():
    chart, positions = trend(values=(87, 80), target=None)
    with translation.override("en"):
        svg = parse(charts.line_chart(chart, positions=positions, y_label="Count",
                                      references=[charts.Reference("Baseline", 90)]))
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks[:5] == ["0", "25", "50", "75", "100"]
    assert "Count" in [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "axis-label"]
    references = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "reference"]
    assert len(references) == 1 and references[0].get("stroke-dasharray")
    assert "Baseline: 90" in [t.text for t in svg.iter(f"{SVG}text")]


def test_x_labels_that_would_overlap_are_left_out_but_the_first_and_last_stay():
    rows = tuple(charts.Row(f"2025-{month:02d}", (month,)) for month in range(1, 13))
    rows += tuple(charts.Row(f"2026-{month:02d}", (month,)) for month in range(1, 13))
    chart = charts.Chart(id="many", title="t", description="", series=(charts.Series("figure", "F"),),
                         rows=rows)
    svg = parse(charts.line_chart(chart))
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "tick" and "-" in (t.text or "")]
    assert labels[0] == "2025-01" and labels[-1] == "2026-12"
    assert 2 < len(labels) < 24
    assert len(points(svg, "figure")) == 24


def test_a_line_chart_or_sparkline_without_figures_says_so_and_still_describes_the_baseline():
    chart = charts.Chart(id="empty", title="t", description="Nothing yet.",
                         series=(charts.Series("figure", "F"),), rows=())
    with translation.override("en"):
        for draw in (charts.line_chart, charts.sparkline):
            svg = parse(draw(chart, references=[charts.Reference("Baseline", 5)]))
            assert [t.text for t in svg.iter(f"{SVG}text")] == ["No data yet."]
            assert svg.find(f"{SVG}desc").text == "Nothing yet. Baseline: 5."


def test_a_sparkline_is_a_small_labelled_image_with_a_point_per_figure_and_no_axes():
    chart, positions = trend(values=(100, 98, 95, 93))
    with translation.override("en"):
        svg = parse(charts.sparkline(chart, positions=positions,
                                     references=[charts.Reference("Baseline", 100)]))
    assert svg.get("role") == "img" and "sparkline" in svg.get("class")
    assert svg.get("viewBox") == f"0 0 {charts.SPARK_WIDTH} {charts.SPARK_HEIGHT}"
    assert len(points(svg, "figure")) == 4 and len(points(svg, "target")) == 1
    assert not list(svg.iter(f"{SVG}text"))
    assert "Extortion — 2025-01: 100; 2025-02: 98; 2025-03: 95; 2025-04: 93." in svg.find(f"{SVG}desc").text


def test_a_single_figure_is_drawn_as_one_point_in_the_middle():
    chart = charts.Chart(id="one", title="t", description="", series=(charts.Series("figure", "F"),),
                         rows=(charts.Row("2025-01", (4,)),))
    svg = parse(charts.line_chart(chart))
    assert len(points(svg, "figure")) == 1
    assert not [e for e in svg.iter(f"{SVG}path") if e.get("class") == "line"]


def funnel_chart(values=(800, 500, 150, 40)) -> charts.Chart:
    labels = ("Arrests", "Cases handed to prosecutors", "Charges brought", "Convictions")
    notes = ("", "62.5% reached this step; 300 lost", "30% reached this step; 350 lost",
             "26.7% reached this step; 110 lost")
    return charts.Chart(id="justice-chain", title="The justice chain in 2025-02",
                        description="Cases per step.",
                        series=(charts.Series("cases", "Cases", charts.PALETTE[1]),),
                        rows=tuple(charts.Row(label, (value,), (note,))
                                   for label, value, note in zip(labels, values, notes, strict=True)))


def test_a_funnel_draws_centred_bars_as_wide_as_their_share_with_numbers_and_notes():
    with translation.override("en"):
        svg = parse(charts.funnel(funnel_chart()))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "The justice chain in 2025-02"
    steps = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "step"]
    widths = [float(r.get("width")) for r in steps]
    assert widths == pytest.approx([400, 250, 75, 20], abs=0.1)
    for rect in steps:  # centred
        assert float(rect.get("x")) + float(rect.get("width")) / 2 == pytest.approx(charts.VIEW_WIDTH / 2)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"Arrests", "800", "500", "150", "40"} <= set(texts)
    assert "62.5% reached this step; 300 lost" in texts
    assert svg.find(f"{SVG}desc").text == (
        "Cases per step. Arrests — Cases: 800. Cases handed to prosecutors — Cases: 500 (62.5% reached this "
        "step; 300 lost). Charges brought — Cases: 150 (30% reached this step; 350 lost). Convictions — "
        "Cases: 40 (26.7% reached this step; 110 lost).")


def test_a_funnel_step_without_a_figure_shows_a_dash_and_no_bar():
    svg = parse(charts.funnel(funnel_chart(values=(800, None, 150, 40))))
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("class") == "step"]) == 3
    assert "—" in [t.text for t in svg.iter(f"{SVG}text")]


def test_labels_of_lines_and_steps_are_escaped():
    evil = "<script>alert(1)</script>"
    chart = charts.Chart(id="x", title=evil, description=evil, series=(charts.Series("figure", evil),),
                         rows=(charts.Row(evil, (1,), (evil,)), charts.Row("b", (2,))))
    for markup in (charts.line_chart(chart, references=[charts.Reference(evil, 1)]), charts.sparkline(chart),
                   charts.funnel(chart)):
        assert "<script>" not in str(markup)
        parse(markup)  # well-formed
