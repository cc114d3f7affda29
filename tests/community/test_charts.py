"""The SVG charts of the annual report (community/charts.py): labels and titles escaped, room
for long labels, round axis maxima, bars as long as their values."""

import pytest

from community.charts import _nice_max, bar_chart, line_chart


def test_charts_escape_labels_and_title():
    hostile = '<script>alert("x")</script>'
    for svg in (
        bar_chart([(hostile, 3), ("ok", 0)], title=hostile),
        line_chart([(hostile, 1), ("b", 2)], title=hostile),
    ):
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_long_labels_get_room():
    label = "Accepted for the next version"
    svg = str(bar_chart([(label, 1)], title="t"))
    assert f">{label}</text>" in svg
    x = int(svg.split('<rect x="')[1].split('"')[0])
    assert x >= len(label) * 6.8


@pytest.mark.parametrize(("value", "top"), [(0, 1), (3, 3), (10, 10), (180, 200), (540, 600)])
def test_axis_maximum_is_round(value, top):
    assert _nice_max(value) == top


def test_bar_lengths_follow_the_values():
    svg = str(bar_chart([("a", 10), ("b", 5)], title="t", plot_width=250))
    # A nice maximum of 10 over 250 px: 250 and 125 px.
    assert 'width="250"' in svg and 'width="125"' in svg
