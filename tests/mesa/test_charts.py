"""Server-rendered SVG charts: accessible (role, title, description with the figures),
told apart by more than colour, scaled by their viewBox, and safe with any label."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from mesa import charts

SVG = "{http://www.w3.org/2000/svg}"


def status_chart(rows=None) -> charts.Chart:
    return charts.Chart(
        id="status", title="Commitments by status", description="Bars split by status.",
        series=charts.series_from([("open", "Open"), ("fulfilled", "Fulfilled"), ("late", "Overdue")]),
        rows=rows if rows is not None else (
            charts.Row("Fiscalía General del Estado (FGE)", (2, 3, 0)),
            charts.Row("Guardia Nacional", (0, 1, 4)),
        ),
    )


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314  (our own markup, not untrusted input)


def test_a_stacked_chart_is_one_labelled_image_whose_description_carries_the_figures():
    with translation.override("en"):
        svg = parse(charts.stacked_bars(status_chart()))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Commitments by status"
    assert desc.text == ("Bars split by status. Fiscalía General del Estado (FGE) — Open: 2, Fulfilled: 3, "
                         "Overdue: 0. Guardia Nacional — Open: 0, Fulfilled: 1, Overdue: 4.")


def test_a_chart_scales_to_the_page_by_its_viewbox_for_small_phones():
    svg = parse(charts.stacked_bars(status_chart()))
    assert svg.get("viewBox").startswith(f"0 0 {charts.VIEW_WIDTH} ")
    assert svg.get("width") == "100%"
    assert "chart" in svg.get("class").split()  # static/css/mesa.css sets height: auto
    assert svg.get("style") is None  # the Content-Security-Policy blocks style attributes
    assert svg.get("height") is None


def test_series_differ_by_pattern_and_legend_not_only_by_colour():
    markup = str(charts.stacked_bars(status_chart()))
    svg = parse(markup)
    patterns = svg.findall(f".//{SVG}pattern")
    assert len(patterns) == 3
    marks = [ET.tostring(pattern) for pattern in patterns]
    assert len({m.replace(p.get("id").encode(), b"") for m, p in zip(marks, patterns, strict=True)}) == 3
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    for label in ("Open", "Fulfilled", "Overdue"):
        assert label in texts  # the legend names each series
    # Numbers written on the segments that are wide enough, and each row's total after its bar.
    assert "2" in texts and "3" in texts and "5" in texts


def test_every_palette_colour_contrasts_with_white_shapes_and_white_numbers():
    for colour in charts.PALETTE:
        assert charts.contrast_ratio(colour, "#ffffff") >= 4.5


def test_a_bar_is_as_long_as_its_share_of_the_largest_row():
    svg = parse(charts.stacked_bars(status_chart()))
    widths = [float(rect.get("width")) for rect in svg.findall(f"{SVG}g/{SVG}rect")]
    room = charts.VIEW_WIDTH - charts.END_LABEL_ROOM
    # Row 1: 2 + 3 (the largest total fills the room); row 2: 1 + 4.
    assert widths == pytest.approx([room * 2 / 5, room * 3 / 5, room * 1 / 5, room * 4 / 5], abs=0.1)


def test_paired_bars_show_each_value_with_its_note_and_a_dash_for_an_unknown_one():
    chart = charts.Chart(
        id="quantities", title="Requested and delivered", description="",
        series=(charts.Series("requested", "Requested", charts.PALETTE[5]),
                charts.Series("delivered", "Delivered", charts.PALETTE[2], "diagonal")),
        rows=(charts.Row("FGE", (200, 40), ("", "20%")), charts.Row("GN", (None, 5))),
    )
    with translation.override("en"):
        svg = parse(charts.paired_bars(chart))
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert "200" in texts and "40 (20%)" in texts and "—" in texts and "5" in texts
    assert "FGE — Requested: 200, Delivered: 40 (20%)." in svg.find(f"{SVG}desc").text


def test_labels_are_escaped_and_long_ones_cut_with_the_full_text_in_the_description():
    long_label = "<script>alert(1)</script> Secretaría de Seguridad Pública del Estado de Chihuahua y más"
    markup = str(charts.stacked_bars(status_chart(rows=(charts.Row(long_label, (1, 0, 0)),))))
    assert "<script>" not in markup
    svg = parse(markup)
    shown = [text.text for text in svg.iter(f"{SVG}text") if text.get("font-weight") == "600"][0]
    assert shown.endswith("…") and len(shown) < len(long_label)
    assert long_label in svg.find(f"{SVG}desc").text


def test_a_chart_without_rows_says_so():
    with translation.override("en"):
        svg = parse(charts.stacked_bars(status_chart(rows=())))
    assert [text.text for text in svg.iter(f"{SVG}text")] == ["No data yet."]


def test_ids_are_unique_per_chart_so_two_charts_share_a_page():
    first = str(charts.stacked_bars(status_chart()))
    second_chart = charts.Chart(id="status levels", title="t", description="", series=status_chart().series,
                                rows=status_chart().rows)
    second = str(charts.stacked_bars(second_chart))
    ids = re.findall(r'id="([^"]+)"', first) + re.findall(r'id="([^"]+)"', second)
    assert len(ids) == len(set(ids))


def test_a_row_must_have_one_value_per_series():
    with pytest.raises(ValueError):
        charts.Chart(id="x", title="t", description="", series=status_chart().series,
                     rows=(charts.Row("A", (1, 2)),))


def test_numbers_follow_the_language():
    with translation.override("es"):
        assert charts.default_format(1200) == "1\xa0200"  # Django's Spanish format: a no-break space
        assert charts.default_format(2.5) == "2,5"
    with translation.override("en"):
        assert charts.default_format(1200) == "1,200"


def test_the_linear_scale_rounds_up_for_an_axis_with_ticks():
    scale = charts.LinearScale(87, 200)
    assert scale.maximum == 100
    assert scale.ticks() == [0, 25, 50, 75, 100]
    assert scale(50) == 100
    assert charts.LinearScale(0, 200)(0) == 0
