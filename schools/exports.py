"""Every list of the portal as a spreadsheet, .xlsx or .csv.

A list view asks ``export_format(request)``; when the query string says ``export=csv`` or
``export=xlsx`` it hands the same queryset it pages (same scope, same filters) to
``export_response`` with its columns, and the user gets every row, not the current page.

Headers are gettext_lazy strings rendered in the active language (Vietnamese by default).
Dates stay dates and money stays an integer number of đồng, so a spreadsheet can sort and
sum them. Text that a spreadsheet would run as a formula is neutralised, since names,
titles and descriptions come from users. An export that holds students' or families' data
is logged: a file leaves the portal, unlike a page view.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.audit import audit_record

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# One name for every export of students' or families' data, so the audit log answers
# "who took which list out of the portal" with one filter.
AUDIT_ACTION = "students_export"
CHUNK_SIZE = 2000
# A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
MONEY_FORMAT = "#,##0"
# Widths are guessed from the header and the first rows, within these bounds.
SAMPLE_ROWS = 100
MIN_WIDTH, MAX_WIDTH = 8, 60


@dataclass(frozen=True)
class Column:
    """One column: a header (a lazy translation) and how to read the cell from a row,
    either a callable or a dotted attribute path ("school.unit.name"), where a method at
    the end is called (``get_status_display``). ``money`` formats an integer as đồng."""

    header: Any
    value: Callable[[Any], Any] | str
    money: bool = False

    def read(self, row):
        if callable(self.value):
            return self.value(row)
        value = row
        for name in self.value.split("."):
            value = getattr(value, name, None)
            if value is None:
                return None
        return value() if callable(value) else value


def field_header(model, name: str):
    """The header of a model field's column: its verbose name, capitalised, so that the
    translation the model already has serves the spreadsheet too."""
    return capfirst(model._meta.get_field(name).verbose_name)


def export_format(request) -> str | None:
    """``csv`` or ``xlsx`` when the list is asked for as a file; None for the page."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else None


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as written and never runs as a formula; without the control
    characters a workbook may not hold."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _typed(value):
    """A cell value a spreadsheet understands: text, a number, a date, or nothing."""
    if value is None:
        return None
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    if isinstance(value, list | tuple | set):
        return neutralise("; ".join(str(v) for v in value if v not in (None, "")))
    return neutralise(str(value))


def _as_text(value) -> str:
    """A typed value as CSV text: dates as dd/mm/yyyy, numbers without separators."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _width(value) -> int:
    if isinstance(value, datetime.datetime):
        return 17
    if isinstance(value, datetime.date):
        return 11
    if isinstance(value, int | float | Decimal):
        return len(f"{value:,}") + 1
    text = str(value or "")
    return max((len(line) for line in text.splitlines()), default=0)


def _rows(rows: Iterable) -> Iterator:
    """The rows, a chunk at a time from the database for a queryset."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return iter(rows)


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\").strip()
    return cleaned[:31] or "Sheet"


def file_name(base: str, fmt: str) -> str:
    """An ASCII name with the day's date: every browser and mail client keeps it."""
    ascii_base = slugify(base.replace("đ", "d").replace("Đ", "D")) or "export"
    return f"{ascii_base}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def _write_csv(headers, lines) -> tuple[bytes, int]:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8, and so the diacritics, only after a BOM
    writer = csv.writer(buffer)
    writer.writerow(headers)
    count = 0
    for line in lines:
        writer.writerow([_as_text(v) for v in line])
        count += 1
    return buffer.getvalue().encode("utf-8"), count


def _cell(sheet, value, column: Column):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif column.money and isinstance(value, int | float | Decimal):
        cell.number_format = MONEY_FORMAT
    return cell


def _write_xlsx(headers, lines, columns, title) -> tuple[bytes, int]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    # Widths and the frozen header go before the first row in a write-only sheet.
    sample = list(islice(lines, SAMPLE_ROWS))
    for index, header in enumerate(headers, start=1):
        widest = max([len(header), *(_width(line[index - 1]) for line in sample)])
        width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for line in chain(sample, lines):
        sheet.append([_cell(sheet, v, c) for v, c in zip(line, columns, strict=True)])
        count += 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def export_response(
    request,
    rows: Iterable,
    columns: list[Column],
    *,
    filename: str,
    title: str | None = None,
    students: bool = False,
    obj=None,
    fmt: str | None = None,
) -> HttpResponse:
    """Every row of ``rows`` as an attachment in ``fmt`` (by default the one the query
    string asks for). ``students`` marks a list of students' or families' data: the export
    is then recorded in the audit log, against ``obj`` (the school, the activity)."""
    fmt = fmt or export_format(request)
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format: {fmt!r}")
    headers = [str(column.header) for column in columns]
    lines = ([_typed(column.read(row)) for column in columns] for row in _rows(rows))
    if fmt == "csv":
        content, count = _write_csv(headers, lines)
    else:
        content, count = _write_xlsx(headers, lines, columns, title or filename)
    name = file_name(filename, fmt)
    if students:
        filters = request.GET.copy()
        filters.pop("export", None)
        audit_record(
            actor=request.user,
            action=AUDIT_ACTION,
            obj=obj,
            summary=f"{name}: {count} rows",
            rows=count,
            format=fmt,
            path=request.path,
            filters=filters.urlencode(),
        )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Personal data: never kept by a shared computer's browser or a proxy.
    patch_cache_control(response, private=True, no_store=True)
    return response
