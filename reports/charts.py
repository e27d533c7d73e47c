"""Charts drawn on the server as inline SVG, for the dashboards and the PDF reports alike.

Each builder returns a ``SafeString`` of one ``<svg>`` element that needs nothing else: no
script, no stylesheet, no inline ``style`` (the Content-Security-Policy forbids them), no
outside reference; colours and fonts are SVG presentation attributes, which browsers and
WeasyPrint both read. The drawing has a fixed ``viewBox`` and ``width="100%"``, so it scales
from a 360-px phone to an A4 page. It is 320 units wide, about its width in pixels on a
phone, where the 13-unit labels read at 12 px; a wider box enlarges everything, so a page
(or a PDF) gives a chart a box of 320 to 440 px (8 to 11 cm). Every label is escaped;
every value is printed as text as well as drawn, in the active language's number format
(``1.500.000`` in Vietnamese), so a chart reads the same in black-and-white print, where the
three consent answers are also told apart by pattern.
"""

import hashlib
import re
from collections.abc import Sequence

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import figures

WIDTH = 320
PAD = 8
FONT = "'Noto Sans', 'DejaVu Sans', 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1b1f24"
MUTED = "#505a66"
LINE = "#d5dbe1"
BAR = "#0b4f8a"  # the portal's brand blue: dark enough to print as a dark grey
TITLE_SIZE = 14
LABEL_SIZE = 13
SMALL_SIZE = 12
# Advance of the glyphs in ems, those of DejaVu Sans (the widest of the fonts named), for
# keeping every label off the next one without measuring fonts on the server.
NARROW = set(".,:;!|'ilIjft()[] ")
WIDE = set("MWmw%")
GLYPH_EM = 0.62
DIGIT_EM = 0.64

# The consent answers: dark solid, hatched and dotted, so that they survive grey printing.
PART_FILLS = (
    ("#1d6b33", None),
    ("#b3261e", "hatch"),
    ("#e0a100", "dots"),
    ("#505a66", "cross"),
)


def number(value, decimals: int | None = None) -> str:
    """A number in the active language's format, grouped by thousands ("1.500.000")."""
    if value is None:
        return "—"
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _with_unit(value, unit: str) -> str:
    decimals = 1 if isinstance(value, float) else None
    text = number(value, decimals)
    if not unit or value is None:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _advance(char: str) -> float:
    if char in NARROW:
        return 0.32
    if char in "–-":
        return 0.5
    if char in WIDE:
        return 0.92
    if char.isdigit() or char == "₫":
        return DIGIT_EM
    return GLYPH_EM


def _width(text: str, size: float) -> float:
    """The width of ``text`` at ``size``, estimated (no font is measured on the server)."""
    return sum(_advance(char) for char in text) * size


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to what fits in ``width`` user units at ``size``."""
    if _width(text, size) <= width:
        return text
    while text and _width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _uid(kind: str, title: str, data) -> str:
    """An id for the chart's patterns, stable for the same chart and distinct between the
    charts of one page (ids are document-wide in HTML)."""
    digest = hashlib.sha1(f"{kind}|{title}|{data!r}".encode()).hexdigest()[:8]
    return f"chart-{kind}-{digest}"


def _text(x, y, content, *, size=LABEL_SIZE, fill=INK, anchor="start", weight=None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"'
        f"{bold}>{escape(content)}</text>"
    )


def _linked(markup: str, href: str | None, label: str) -> str:
    if not href:
        return markup
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{markup}</a>'


def _title_lines(title: str) -> list[str]:
    # Bold glyphs are about a tenth wider than the regular ones _width() knows.
    return _lines(title, WIDTH - 2 * PAD, TITLE_SIZE * 1.1, most=2)


def _body_top(title: str) -> float:
    """Where the drawing starts, under the title's one or two lines."""
    return PAD + (TITLE_SIZE + 4) * len(_title_lines(title)) + 8


def _svg(height: float, title: str, summary: str, body: list[str], defs: str = "") -> SafeString:
    """The outer element: the accessible name (``<title>`` and ``aria-label``), the title
    drawn (in print, the chart names itself), then the drawing. ``height`` in user units;
    the width is always ``WIDTH``."""
    height = round(height)
    heading = [
        _text(
            PAD, PAD + TITLE_SIZE + (TITLE_SIZE + 4) * index, line, size=TITLE_SIZE, weight="bold"
        )
        for index, line in enumerate(_title_lines(title))
    ]
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet" role="img" '
        f'aria-label="{escape(summary)}" font-family="{FONT}">'
        f"<title>{escape(title)}</title>{defs}" + "".join(heading) + "".join(body) + "</svg>"
    )


def _summary(title: str, items, unit: str) -> str:
    if not items:
        return f"{title}: {_('no data')}"
    parts = "; ".join(f"{label}: {_with_unit(value, unit)}" for label, value in items)
    return f"{title}: {parts}"


def _empty(top: float) -> list[str]:
    return [
        f'<rect x="{PAD}" y="{top:g}" width="{WIDTH - 2 * PAD}" height="40" fill="#ffffff" '
        f'stroke="{LINE}" stroke-dasharray="4 3"/>',
        _text(WIDTH / 2, top + 25, _("No data for this period"), fill=MUTED, anchor="middle"),
    ]


def _pairs(items) -> list[tuple[str, float]]:
    return [(str(label), value) for label, value in items]


def _hrefs(link, count: int) -> list[str | None]:
    """One address per item, or none: ``link`` is a sequence aligned with the items."""
    if link is None:
        return [None] * count
    hrefs = list(link)
    return hrefs + [None] * (count - len(hrefs))


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    link: Sequence[str | None] | None = None,
) -> SafeString:
    """Horizontal bars, one per ``(label, value)``, the label above its bar (long
    Vietnamese names need the width) and the value printed at the bar's end. ``link``, if
    given, holds the address of the list behind each bar."""
    items = _pairs(items)
    top = _body_top(title)
    if not items:
        return _svg(top + 48, title, _summary(title, items, unit), _empty(top))
    values = [value or 0 for _label, value in items]
    largest = max(max(values), 0) or 1  # all zeros: empty bars, never 0/0
    value_room = max(_width(_with_unit(v, unit), SMALL_SIZE) for v in values) + 10
    track = WIDTH - 2 * PAD - value_room
    row = LABEL_SIZE + 30
    body = []
    for (label, value), shown, href in zip(items, values, _hrefs(link, len(items)), strict=True):
        text = _with_unit(value, unit)
        length = track * max(shown, 0) / largest
        bar_y = top + LABEL_SIZE + 4
        parts = [
            _text(PAD, top + LABEL_SIZE, _fit(label, WIDTH - 2 * PAD, LABEL_SIZE)),
            f'<rect x="{PAD}" y="{bar_y:g}" width="{track:g}" height="16" fill="#eef2f6"/>',
            f'<rect x="{PAD}" y="{bar_y:g}" width="{length:.1f}" height="16" fill="{BAR}"/>',
            _text(PAD + length + 6, bar_y + 13, text, size=SMALL_SIZE, weight="bold"),
        ]
        body.append(_linked("".join(parts), href, f"{label}: {text}"))
        top += row
    return _svg(top + PAD, title, _summary(title, items, unit), body)


def _patterns(uid: str, count: int) -> str:
    """The fills of the first ``count`` stacked parts: a pattern drawn over the colour, so
    that the parts differ in grey print too."""
    defs = []
    for index, (colour, pattern) in enumerate(PART_FILLS[:count]):
        if pattern is None:
            continue
        if pattern == "hatch":
            mark = '<path d="M0 8 L8 0" stroke="#ffffff" stroke-width="2"/>'
        elif pattern == "dots":
            mark = '<circle cx="4" cy="4" r="1.6" fill="#1b1f24"/>'
        else:
            mark = '<path d="M0 0 L8 8 M8 0 L0 8" stroke="#ffffff" stroke-width="1.2"/>'
        defs.append(
            f'<pattern id="{uid}-{index}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{mark}</pattern>'
        )
    return f"<defs>{''.join(defs)}</defs>"


def _fill(uid: str, index: int) -> str:
    colour, pattern = PART_FILLS[index % len(PART_FILLS)]
    return f"url(#{uid}-{index % len(PART_FILLS)})" if pattern else colour


def stacked_bar(parts: Sequence[tuple[str, float]], *, title: str) -> SafeString:
    """One bar split into the shares of ``parts`` (``(label, count)``: consent given,
    declined, withdrawn), with a legend giving each count. The legend gives no percentage:
    the rates that matter have their own denominators (a consent rate is of the answers to
    offers, a withdrawal rate of the consents), and are shown as figures beside the chart."""
    parts = _pairs(parts)
    total = sum(value or 0 for _label, value in parts)
    top = _body_top(title)
    uid = _uid("stack", title, parts)
    summary = _summary(title, parts, "")
    if not parts or total <= 0:
        return _svg(top + 48, title, f"{title}: {_('no data')}", _empty(top))
    track = WIDTH - 2 * PAD
    body = [f'<rect x="{PAD}" y="{top}" width="{track}" height="28" fill="#eef2f6"/>']
    x = PAD
    for index, (_label, value) in enumerate(parts):
        length = track * (value or 0) / total
        if length > 0:
            body.append(
                f'<rect x="{x:.1f}" y="{top}" width="{length:.1f}" height="28" '
                f'fill="{_fill(uid, index)}" stroke="#ffffff" stroke-width="1"/>'
            )
        x += length
    top += 28 + 12
    for index, (label, value) in enumerate(parts):
        body.append(
            f'<rect x="{PAD}" y="{top:g}" width="18" height="14" fill="{_fill(uid, index)}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
        )
        legend = f"{label}: {number(value)}"
        body.append(_text(PAD + 26, top + 12, _fit(legend, track - 26, LABEL_SIZE)))
        top += LABEL_SIZE + 10
    return _svg(top + PAD, title, summary, body, _patterns(uid, len(parts)))


def _lines(label: str, width: float, size: float, most: int = 3) -> list[str]:
    """A band's label ("200.000–500.000 ₫") broken after its dashes and at its spaces so
    that it fits under its column, in ``most`` lines at most (the last one cut short)."""
    words = re.findall(r"[^\s–-]+[–-]?|[–-]", label)
    lines: list[str] = []
    for word in words:
        joiner = "" if not lines or lines[-1].endswith(("–", "-")) else " "
        if lines and _width(lines[-1] + joiner + word, size) <= width:
            lines[-1] += joiner + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[: most - 1] + [" ".join(lines[most - 1 :])]
    return [_fit(line, width, size) for line in lines]


def _band_labels(labels: list[str], width: float) -> tuple[int, list[list[str]]]:
    """The largest font size (12, 11, then 10) at which every band's label fits under its
    column in two lines, and the lines; at 10, three lines, the last cut short if need be."""
    for size in (SMALL_SIZE, 11):
        lines = [_lines(label, width, size) for label in labels]
        cut = any(line.endswith("…") for parts in lines for line in parts)
        if not cut and all(len(parts) <= 2 for parts in lines):
            return size, lines
    return 10, [_lines(label, width, 10) for label in labels]


def histogram(
    buckets: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    link: Sequence[str | None] | None = None,
) -> SafeString:
    """Vertical bars, one per ``(label, count)`` band (the monthly fee bands), the count
    above each bar and the band's label under it."""
    buckets = _pairs(buckets)
    top = _body_top(title)
    if not any(value for _label, value in buckets):  # no band holds anything: say so
        return _svg(top + 48, title, _summary(title, buckets, unit), _empty(top))
    values = [value or 0 for _label, value in buckets]
    largest = max(max(values), 0) or 1
    edge = PAD / 2  # the labels need the width more than the margins do
    column = (WIDTH - 2 * edge) / len(buckets)
    size, labels = _band_labels([label for label, _value in buckets], column - 1)
    plot = 150
    base = top + SMALL_SIZE + 6 + plot
    body = [f'<line x1="{PAD}" y1="{base:g}" x2="{WIDTH - PAD}" y2="{base:g}" stroke="{MUTED}"/>']
    rows = 1
    pairs = zip(buckets, values, _hrefs(link, len(buckets)), strict=True)
    for index, ((label, value), shown, href) in enumerate(pairs):
        centre = edge + column * (index + 0.5)
        height = plot * max(shown, 0) / largest
        bar = max(column * 0.7, 4)
        text = _with_unit(value, unit)
        lines = labels[index]
        rows = max(rows, len(lines))
        parts = [
            f'<rect x="{centre - bar / 2:.1f}" y="{base - height:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" fill="{BAR}"/>',
            _text(centre, base - height - 4, text, size=size, anchor="middle", weight="bold"),
        ]
        for number_, line in enumerate(lines):
            parts.append(
                _text(
                    centre,
                    base + (size + 3) * (number_ + 1),
                    line,
                    size=size,
                    fill=MUTED,
                    anchor="middle",
                )
            )
        body.append(_linked("".join(parts), href, f"{label}: {text}"))
    height = base + (size + 3) * rows + PAD
    return _svg(height, title, _summary(title, buckets, unit), body)


def for_figures(
    found, *, kind_links=None, fee_links=None, category_links=None
) -> dict[str, SafeString]:
    """The charts of a set of figures (`reports.figures.Figures`): the same on the
    dashboard, where bars link to their lists, and in the PDF, where they do not."""
    total = found.total
    return {
        "kinds": bar_chart(
            [(k.label, k.programmes) for k in found.by_kind],
            title=_("Linked programmes by kind"),
            link=kind_links,
        ),
        "fees": histogram(
            [(figures.short_band_label(b), b.programmes) for b in found.fee_bands],
            title=_("Programmes by monthly fee (thousand ₫)"),
            link=fee_links,
        ),
        "consents": stacked_bar(
            [
                (_("Consent given"), total.consents_given),
                (_("Declined"), total.consents_declined),
                (_("Withdrawn"), total.consents_withdrawn),
            ],
            title=_("Families' answers in the period"),
        ),
        "complaints": bar_chart(
            [(c.label, c.open + c.closed) for c in found.complaints_by_category],
            title=_("Complaints filed in the period, by category"),
            link=category_links,
        ),
    }
