"""The server-drawn SVG charts (reports.charts): what they print, that they escape what they
are given, that an empty or all-zero chart still draws, that they obey the site's
Content-Security-Policy (nothing inline, nothing outside), and that WeasyPrint puts them in a
PDF with their words."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.translation import gettext

from reports import charts

SVG = "{http://www.w3.org/2000/svg}"
KINDS = [("Ngoại ngữ có yếu tố nước ngoài", 1234567), ("Giáo dục STEM", 56), ("Tin học", 0)]
BANDS = [("Miễn phí", 2), ("dưới 200", 5), ("1.000–2.000", 7), ("từ 2.000 trở lên", 1)]
ANSWERS = [("Đồng ý", 2), ("Từ chối", 1), ("Rút lại", 1)]


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def _parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def _texts(svg) -> list[str]:
    return ["".join(node.itertext()) for node in _parse(svg).iter(f"{SVG}text")]


def _all_charts():
    return [
        charts.bar_chart(KINDS, title="Chương trình theo loại", link=["/a/", None, "/c/"]),
        charts.stacked_bar(ANSWERS, title="Ý kiến của cha mẹ"),
        charts.histogram(BANDS, title="Học phí (nghìn ₫)"),
        charts.bar_chart([], title="Trống"),
        charts.stacked_bar([("Đồng ý", 0), ("Từ chối", 0)], title="Trống"),
        charts.histogram([("a", 0), ("b", 0)], title="Trống"),
    ]


def test_a_label_with_markup_comes_out_escaped():
    hostile = '<script>alert("x")</script>'
    for svg in (
        charts.bar_chart([(hostile, 3)], title=hostile),
        charts.stacked_bar([(hostile, 3)], title=hostile),
        charts.histogram([(hostile, 3)], title=hostile),
    ):
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        root = _parse(svg)  # still well-formed XML
        assert root.find(f"{SVG}title").text == hostile
        assert hostile in root.get("aria-label")


def test_values_are_printed_with_the_vietnamese_thousands_separator():
    texts = _texts(charts.bar_chart(KINDS, title="Chương trình"))
    assert "Ngoại ngữ có yếu tố nước ngoài" in texts
    assert "1.234.567" in texts and "56" in texts and "0" in texts


def test_a_unit_follows_the_value_and_a_rate_keeps_its_decimal():
    texts = _texts(charts.bar_chart([("Tỉ lệ đồng ý", 94.4), ("Học phí", 300000)], title="T"))
    assert "94,4" in texts  # no unit given
    texts = _texts(charts.bar_chart([("Tỉ lệ đồng ý", 94.4)], title="T", unit="%"))
    assert "94,4%" in texts


def test_the_longest_bar_is_the_largest_value_and_a_zero_draws_no_bar():
    root = _parse(charts.bar_chart([("A", 10), ("B", 5), ("C", 0)], title="T"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BAR]
    widths = [float(r.get("width")) for r in bars]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0


def test_the_stacked_bar_gives_each_part_its_count():
    texts = _texts(charts.stacked_bar(ANSWERS, title="Ý kiến"))
    assert "Đồng ý: 2" in texts
    assert "Từ chối: 1" in texts
    assert "Rút lại: 1" in texts
    # No share of all three: the rates have their own denominators, shown beside it.
    assert not any("%" in t for t in texts)


def test_the_parts_differ_by_pattern_as_well_as_colour_for_grey_print():
    root = _parse(charts.stacked_bar(ANSWERS, title="Ý kiến"))
    patterns = root.findall(f".//{SVG}pattern")
    assert len(patterns) == 2  # the first part solid, the next two hatched and dotted
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("height") == "28"}
    assert {f"url(#{p.get('id')})" for p in patterns} <= fills


def test_the_histogram_shows_every_band_and_its_count():
    texts = _texts(charts.histogram(BANDS, title="Học phí"))
    words = " ".join(texts)
    for label, count in BANDS:
        assert str(count) in texts
        for word in label.replace("–", "– ").split():
            assert word in words, (label, texts)
    assert "…" not in words  # nothing cut short


@pytest.mark.parametrize(
    "svg",
    [
        lambda: charts.bar_chart([], title="Phản ánh"),
        lambda: charts.stacked_bar([], title="Ý kiến"),
        lambda: charts.stacked_bar([("Đồng ý", 0), ("Từ chối", 0)], title="Ý kiến"),
        lambda: charts.histogram([("Miễn phí", 0), ("dưới 200", 0)], title="Học phí"),
    ],
)
def test_an_empty_chart_says_there_is_nothing_to_show(svg):
    texts = _texts(svg())  # no ZeroDivisionError on the way
    assert gettext("No data for this period") in texts


def test_a_bar_chart_of_zeros_still_prints_each_zero():
    texts = _texts(charts.bar_chart([("Ép buộc", 0), ("Thu phí", 0)], title="Phản ánh"))
    assert texts.count("0") == 2


def test_links_lead_to_the_list_behind_each_bar_and_only_when_given():
    root = _parse(charts.bar_chart(KINDS, title="T", link=["/programmes/?kind=a&q=1", None]))
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/programmes/?kind=a&q=1"]
    assert "Ngoại ngữ có yếu tố nước ngoài" in links[0].get("aria-label")
    assert _parse(charts.bar_chart(KINDS, title="T")).findall(f".//{SVG}a") == []


def test_every_chart_is_accessible_scalable_and_self_contained():
    """role="img" with a summary and a <title>; a fixed viewBox at 100% width; no script,
    no stylesheet or inline style (the CSP refuses them), no outside reference."""
    for svg in _all_charts():
        root = _parse(svg)
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find(f"{SVG}title").text
        assert root.get("width") == "100%"
        assert root.get("viewBox").startswith(f"0 0 {charts.WIDTH} ")
        for node in root.iter():
            assert node.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}image")
            assert "style" not in node.attrib
            assert not any(name.startswith("on") for name in node.attrib)
            for value in node.attrib.values():
                assert "http" not in value
                assert not value.startswith("url(") or value.startswith("url(#")


def test_labels_are_printed_large_enough_to_read_on_a_phone():
    for svg in _all_charts():
        sizes = [float(t.get("font-size")) for t in _parse(svg).iter(f"{SVG}text")]
        assert min(sizes) >= 10


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler's pdftotext is not installed")
def test_weasyprint_puts_the_charts_in_a_pdf_with_their_words(tmp_path):
    weasyprint = pytest.importorskip("weasyprint")
    body = "".join(f"<div>{svg}</div>" for svg in _all_charts()[:3])
    html = f'<!doctype html><html lang="vi"><meta charset="utf-8"><body>{body}</body></html>'
    pdf = tmp_path / "charts.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for word in (
        "Chương trình theo loại",
        "Ngoại ngữ có yếu tố nước ngoài",
        "1.234.567",
        "Đồng ý: 2",
        "Học phí (nghìn ₫)",
        "Miễn phí",
    ):
        assert word in text, word
