"""Imports of students (with their guardians), of schools and of students' end-of-term
subject results from .xlsx or .csv files.

The importers read the whole file, check every row against a declarative column spec and
against the database, and then either apply everything in one transaction or save nothing
but the ``ImportBatch`` with its list of errors. Each error names the spreadsheet row (the
header is row 1) and the column by its header as written in the file. Rows identical to the
database are not written, so importing the same file twice changes nothing.

The work is a handful of queries whatever the size of the file: existing rows are loaded
for all the file's keys at once (in chunks, for SQLite's parameter limit) and written with
``bulk_create`` / ``bulk_update``.
"""

import csv
import datetime
import difflib
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.backends import normalize_phone

from . import policy
from .models import (
    LEVEL_GRADES,
    AdministrativeUnit,
    Guardian,
    Guardianship,
    ImportBatch,
    School,
    SchoolLevel,
    Sex,
    Student,
    Subject,
    SubjectResult,
    Term,
)
from .signals import public_data_changed

IN_CHUNK = 900  # SQLite allows 999 parameters per query
BATCH_SIZE = 500
MAX_ERRORS = 1000  # kept on the batch; the rest are counted in a last message
HEADER_SEARCH_ROWS = 10  # the national export puts a title above the header row


class Rejected(Exception):
    """The file cannot be imported; ``errors`` says why."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


class CellError(ValueError):
    """A cell breaks its column's rule. ``message`` is formatted with ``column`` (the
    header as written), ``value`` (the cell as written) and ``params``."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


def error(row: int | None, column: str | None, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def format_error(item: dict) -> str:
    """One error as a line of text, for the management commands."""
    if item["row"] and item["column"]:
        return _("Row %(row)s, column %(column)s: %(message)s") % item
    if item["row"]:
        return _("Row %(row)s: %(message)s") % item
    return item["message"]


# --- Text -------------------------------------------------------------------------------


def header_key(value: Any) -> str:
    """Lower case, no diacritics, punctuation as spaces: "SĐT  phụ huynh*" -> "sdt phu huynh"."""
    decomposed = unicodedata.normalize("NFD", str(value).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def cell_text(value: Any) -> str:
    """A cell as text: NFC, runs of spaces collapsed, whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


# --- Cell parsers: raw cell (never blank) -> value, or CellError ---------------------------


def text(max_length: int) -> Callable[[Any], str]:
    def parse(value):
        result = cell_text(value)
        if len(result) > max_length:
            raise CellError(
                _("%(column)s '%(value)s' is longer than %(limit)s characters."),
                limit=max_length,
            )
        return result

    return parse


def code(max_length: int) -> Callable[[Any], str]:
    """An identifier: letters and digits, kept in upper case."""

    def parse(value):
        result = cell_text(value).replace(" ", "").upper()
        if not re.fullmatch(r"[0-9A-Za-z]+", result) or len(result) > max_length:
            raise CellError(
                _("%(column)s '%(value)s' must be letters and digits only, at most "
                  "%(limit)s characters."),
                limit=max_length,
            )
        return result

    return parse


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def class_code(value) -> str:
    return text(20)(value).upper()


def date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = re.sub(r"[ T]00:00(:00)?$", "", cell_text(value))
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise CellError(_("%(column)s '%(value)s' is not a valid date (dd/mm/yyyy)."))


def past_date(value) -> datetime.date:
    result = date(value)
    if result > timezone.localdate():
        raise CellError(_("%(column)s '%(value)s' is in the future."))
    return result


def grade(value) -> int:
    match = re.fullmatch(r"(?:khoi|lop|grade)?\s*(\d{1,2})", header_key(value))
    if not match or int(match.group(1)) > 12:
        raise CellError(_("%(column)s '%(value)s' is not a grade from 0 to 12."))
    return int(match.group(1))


def choice(mapping: dict[str, str], default: str | None = None) -> Callable[[Any], str]:
    """A value from ``mapping`` (keys compared as ``header_key``, so "nu" reads as "Nữ");
    anything else is an error, or ``default`` if one is given."""
    keys = {header_key(k): v for k, v in mapping.items()}
    shown = ", ".join(k for k in mapping if k not in mapping.values())

    def parse(value):
        result = keys.get(header_key(value), default)
        if result is None:
            raise CellError(
                _("%(column)s '%(value)s' is not one of: %(choices)s."),
                choices=shown,
            )
        return result

    return parse


def mobile_phone(value) -> str:
    digits = normalize_phone(cell_text(value))
    if isinstance(value, int | float) and len(digits) == 9:
        digits = "0" + digits  # a number cell in Excel drops the leading 0
    if not re.fullmatch(r"0\d{9}", digits):
        raise CellError(
            _("%(column)s '%(value)s' is not a mobile phone number (10 digits starting with 0).")
        )
    return digits


def landline_or_mobile(value) -> str:
    digits = normalize_phone(cell_text(value))
    if isinstance(value, int | float) and len(digits) in (9, 10):
        digits = "0" + digits
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise CellError(
            _("%(column)s '%(value)s' is not a phone number (10 or 11 digits starting with 0).")
        )
    return digits


def email(value) -> str:
    result = cell_text(value)
    try:
        validate_email(result)
    except ValidationError:
        raise CellError(_("%(column)s '%(value)s' is not a valid e-mail address.")) from None
    limit = Guardian._meta.get_field("email").max_length
    if len(result) > limit:
        raise CellError(_("%(column)s '%(value)s' is longer than %(limit)s characters."),
                        limit=limit)
    return result


def personal_id(value) -> str:
    result = cell_text(value).replace(" ", "")
    if isinstance(value, int | float):
        result = result.zfill(12)  # every number begins with 0: Excel drops it
    if not re.fullmatch(r"\d{12}", result):
        raise CellError(_("%(column)s '%(value)s' must be 12 digits."))
    return result


# --- Column spec ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column a file may have: the model field it fills, its headers (the first is the
    one shown in messages), whether the file must have it, how to read a cell, and the
    value of a blank cell. A required column must also have a value in every row."""

    field: str
    headers: tuple[str, ...]
    parse: Callable[[Any], Any]
    required: bool = False
    blank: Any = ""

    @property
    def label(self) -> str:
        return self.headers[0]


class Columns:
    def __init__(self, *columns: Column):
        self.columns = {column.field: column for column in columns}
        self.by_key: dict[str, Column] = {}
        for column in columns:
            for header in column.headers:
                key = header_key(header)
                if key in self.by_key:
                    raise ValueError(f"The header {header!r} is given to two columns.")
                self.by_key[key] = column

    def __getitem__(self, field_name: str) -> Column:
        return self.columns[field_name]

    @property
    def required(self) -> list[Column]:
        return [column for column in self.columns.values() if column.required]


STATUS = Student.Status
RELATIONSHIP = Guardianship.Relationship
STUDENT_COLUMNS = Columns(
    Column("homeroom", ("Mã lớp", "Lớp", "Tên lớp", "Class", "Class code", "Homeroom"),
           class_code, required=True),
    Column("national_id", ("Mã học sinh", "Mã HS", "Student code", "Student ID"),
           code(20), required=True),
    Column("full_name", ("Họ và tên", "Họ tên", "Họ và tên học sinh", "Full name",
                         "Student name", "Name"), text(150), required=True),
    Column("date_of_birth", ("Ngày sinh", "Ngày tháng năm sinh", "Date of birth", "Birth date",
                             "DOB"), past_date, required=True),
    Column("sex", ("Giới tính", "Sex", "Gender"),
           choice({"Nam": Sex.MALE, "Nữ": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE,
                   "male": Sex.MALE, "female": Sex.FEMALE}), required=True),
    Column("grade", ("Khối", "Khối lớp", "Grade"), grade, blank=None),
    Column("status", ("Trạng thái", "Trạng thái học sinh", "Status"),
           choice({"Đang học": STATUS.STUDYING, "Chuyển trường": STATUS.TRANSFERRED,
                   "Chuyển đi": STATUS.TRANSFERRED, "Bảo lưu": STATUS.SUSPENDED,
                   "Tạm nghỉ": STATUS.SUSPENDED, "Thôi học": STATUS.DROPPED,
                   "Bỏ học": STATUS.DROPPED, "Tốt nghiệp": STATUS.GRADUATED,
                   "Hoàn thành": STATUS.GRADUATED, **{s: s for s in STATUS.values}}),
           blank=STATUS.STUDYING),
    Column("status_date", ("Ngày trạng thái", "Status date"), date, blank=None),
    Column("ethnicity", ("Dân tộc", "Ethnicity"), text(50)),
    Column("disability", ("Khuyết tật", "Loại khuyết tật", "Disability"), text(100)),
    Column("personal_id", ("Số CCCD", "Số định danh cá nhân", "CCCD", "Mã định danh cá nhân",
                           "Personal ID", "Personal ID number"), personal_id),
    Column("guardian_name", ("Họ tên cha mẹ/người giám hộ", "Họ tên phụ huynh", "Người giám hộ",
                             "Phụ huynh", "Guardian name", "Guardian", "Parent name"),
           text(150)),
    Column("relationship", ("Quan hệ", "Quan hệ với học sinh", "Relationship"),
           choice({"Bố": RELATIONSHIP.FATHER, "Cha": RELATIONSHIP.FATHER, "Ba": RELATIONSHIP.FATHER,
                   "Mẹ": RELATIONSHIP.MOTHER, "Má": RELATIONSHIP.MOTHER,
                   **{r: r for r in RELATIONSHIP.values}}, default=RELATIONSHIP.GUARDIAN),
           blank=None),
    Column("guardian_phone", ("Số điện thoại phụ huynh", "SĐT phụ huynh", "Điện thoại phụ huynh",
                              "Điện thoại", "Số điện thoại", "SĐT", "Guardian phone", "Phone"),
           mobile_phone),
    Column("guardian_email", ("Email phụ huynh", "Email", "E-mail", "Guardian email"), email),
)
STUDENT_FIELDS = ["homeroom", "full_name", "date_of_birth", "sex", "grade", "status",
                  "status_date", "ethnicity", "disability", "personal_id"]

LEVEL = SchoolLevel
SCHOOL_COLUMNS = Columns(
    Column("moet_code", ("Mã trường", "School code", "MOET code"), code(20), required=True),
    Column("name", ("Tên trường", "School name", "Name"), text(200), required=True),
    Column("level", ("Cấp học", "Level"),
           choice({"Mầm non": LEVEL.PRESCHOOL, "Tiểu học": LEVEL.PRIMARY,
                   "THCS": LEVEL.LOWER_SECONDARY, "Trung học cơ sở": LEVEL.LOWER_SECONDARY,
                   "THPT": LEVEL.UPPER_SECONDARY, "Trung học phổ thông": LEVEL.UPPER_SECONDARY,
                   "GDTX": LEVEL.CONTINUING, "Giáo dục thường xuyên": LEVEL.CONTINUING,
                   "Liên cấp": LEVEL.MULTI_LEVEL, **{v: v for v in LEVEL.values}}),
           required=True),
    Column("ownership", ("Loại hình", "Loại hình trường", "Ownership"),
           choice({"Công lập": School.Ownership.PUBLIC,
                   "Ngoài công lập": School.Ownership.NON_PUBLIC,
                   "Tư thục": School.Ownership.NON_PUBLIC, "Dân lập": School.Ownership.NON_PUBLIC,
                   **{v: v for v in School.Ownership.values}}),
           blank=School.Ownership.PUBLIC),
    Column("unit", ("Mã đơn vị hành chính", "Mã xã", "Mã đơn vị", "Unit code", "Unit"),
           code(10), required=True),
    Column("grade_min", ("Khối từ", "Từ khối", "Grade from", "Lowest grade"), grade, blank=None),
    Column("grade_max", ("Khối đến", "Đến khối", "Grade to", "Highest grade"), grade, blank=None),
    Column("address", ("Địa chỉ", "Address"), text(255)),
    Column("phone", ("Điện thoại", "Số điện thoại", "Phone"), landline_or_mobile),
    Column("email", ("Email", "E-mail"), email),
)

RESULT_COLUMNS = Columns(
    Column("national_id", STUDENT_COLUMNS["national_id"].headers, code(20), required=True),
    # A subject's name or code, matched against the subjects on record (see subject_key).
    Column("subject", ("Môn học", "Môn", "Subject"), text(100), required=True),
    Column("achieved", ("Kết quả", "Kết quả học tập", "Đánh giá", "Result"),
           choice({"Đạt": True, "Chưa đạt": False, "Hoàn thành": True, "Chưa hoàn thành": False,
                   "Đ": True, "CĐ": False, "achieved": True, "not achieved": False}),
           required=True),
    # Not read: the name helps whoever fills in the file.
    Column("full_name", STUDENT_COLUMNS["full_name"].headers, cell_text),
)


# --- Reading a file into a table -----------------------------------------------------------


@dataclass
class Row:
    number: int  # as the user sees it in the spreadsheet
    values: dict[str, Any] = field(default_factory=dict)  # field -> parsed, for valid cells
    raw: dict[str, str] = field(default_factory=dict)  # field -> cell as written
    guardian_key: str | None = None  # students: the row's guardian, see _guardian_entries

    def has(self, field_name: str) -> bool:
        return field_name in self.values


@dataclass
class Table:
    spec: Columns
    header_row: int
    headers: dict[str, str]  # field -> header as written in the file
    rows: list[Row] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def column(self, field_name: str) -> str:
        return self.headers.get(field_name) or self.spec[field_name].label

    def add_error(self, row: int | None, field_name: str, message: str, /, **params) -> None:
        column = self.column(field_name)
        self.errors.append(error(row, column, message % {"column": column, **params}))


def read_table(file, file_name: str, spec: Columns) -> Table:
    """Read and check every cell of the file; raises Rejected for a file that cannot be
    read or whose headers are wrong. Cell errors are collected on the table."""
    lines = [(n, cells) for n, cells in _read_lines(file, file_name)
             if any(_filled(cell) for cell in cells)]
    if not lines:
        raise Rejected([error(None, None, _("The file is empty."))])
    header_row, cells = _find_header(lines, spec)
    index = _match_headers(header_row, cells, spec)
    table = Table(spec, header_row, {f: cells[i].strip() for f, i in index.items()})
    for number, line in lines:
        if number > header_row:
            table.rows.append(_parse_row(table, number, line, index))
    if not table.rows:
        raise Rejected([error(header_row, None, _("The file has a header row but no data rows."))])
    return table


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


def _read_lines(file, file_name: str) -> Iterable[tuple[int, list]]:
    suffix = Path(file_name).suffix.lower()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if not data:
        raise Rejected([error(None, None, _("The file is empty."))])
    if suffix == ".xlsx":
        return _xlsx_lines(data)
    if suffix == ".csv":
        return _csv_lines(data)
    raise Rejected([error(None, None, _("The file must be an Excel workbook (.xlsx) or a CSV "
                                        "file (.csv)."))])


def _xlsx_lines(data: bytes) -> list[tuple[int, list]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a bad file
        raise Rejected([error(None, None, _(
            "The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it "
            "again as 'Excel Workbook (.xlsx)'."))]) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read every cell
        return [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    except Exception:
        raise Rejected([error(None, None, _(
            "The first sheet of the workbook cannot be read."))]) from None
    finally:
        workbook.close()


def _csv_lines(data: bytes) -> list[tuple[int, list]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected([error(None, None, _(
            "The file is not UTF-8 text. In Excel, save it as 'CSV UTF-8 (Comma delimited)'."
        ))]) from None
    if "\x00" in content:
        raise Rejected([error(None, None, _("The file is not a CSV text file."))])
    sample = content[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    try:
        return [(n, cells) for n, cells in enumerate(reader, 1)]
    except csv.Error as exc:
        raise Rejected([error(reader.line_num, None, _("The CSV file cannot be read: %(reason)s")
                              % {"reason": exc})]) from None


def _find_header(lines, spec: Columns) -> tuple[int, list[str]]:
    """The first of the top rows naming a required column: the national export may put a
    title and the school's name above it."""
    required = {header_key(h) for column in spec.required for h in column.headers}
    for number, cells in lines[:HEADER_SEARCH_ROWS]:
        if required & {header_key(c) for c in cells if _filled(c)}:
            return number, [cell_text(c) for c in cells]
    number = lines[0][0]
    raise Rejected([error(number, None, _(
        "No column header was recognised. The first row must hold the column names; "
        "required: %(required)s.") % {"required": _labels(spec.required)})])


def _labels(columns: Iterable[Column]) -> str:
    return ", ".join(f"'{column.label}'" for column in columns)


def _match_headers(number: int, cells: list[str], spec: Columns) -> dict[str, int]:
    """field -> index of its cell. Unknown headers are ignored (the national export has more
    columns than we use); a duplicate or a missing required column rejects the file."""
    index: dict[str, int] = {}
    errors, unknown = [], []
    for i, header in enumerate(cells):
        if not header:
            continue
        column = spec.by_key.get(header_key(header))
        if column is None:
            unknown.append(header)
        elif column.field in index:
            errors.append(error(number, header, _(
                "Column '%(column)s' repeats column '%(other)s': both are read as '%(label)s'."
            ) % {"column": header, "other": cells[index[column.field]], "label": column.label}))
        else:
            index[column.field] = i
    for column in spec.required:
        if column.field not in index:
            errors.append(error(number, column.label, _(
                "The required column '%(column)s' is missing (also accepted as: %(aliases)s)."
            ) % {"column": column.label, "aliases": ", ".join(column.headers[1:])}))
    if errors and unknown:
        errors.append(error(number, None, _(
            "These columns were not recognised and are ignored: %(headers)s."
        ) % {"headers": ", ".join(f"'{h}'" for h in unknown)}))
    if errors:
        raise Rejected(errors)
    return index


def _parse_row(table: Table, number: int, cells: list, index: dict[str, int]) -> Row:
    row = Row(number)
    for field_name, i in index.items():
        column = table.spec[field_name]
        value = cells[i] if i < len(cells) else None
        row.raw[field_name] = cell_text(value)
        if not _filled(value):
            if column.required:
                table.add_error(number, field_name, _("%(column)s is required."))
            else:
                row.values[field_name] = column.blank
            continue
        try:
            row.values[field_name] = column.parse(value)
        except CellError as exc:
            table.add_error(number, field_name, exc.message, value=row.raw[field_name],
                            **exc.params)
    return row


# --- Shared checks and writes ----------------------------------------------------------------


def _check_unique(table: Table, field_name: str) -> None:
    first: dict[str, int] = {}
    for row in table.rows:
        if not row.has(field_name):
            continue
        key = row.values[field_name]
        if key in first:
            table.add_error(row.number, field_name, _(
                "%(column)s '%(value)s' is repeated: rows %(first)s and %(row)s."),
                value=row.raw[field_name], first=first[key], row=row.number)
        else:
            first[key] = row.number


def _fetch(queryset, lookup: str, values: Iterable) -> list:
    """``queryset.filter(<lookup>__in=values)``, chunked for SQLite's parameter limit."""
    values = sorted(set(values))
    found = []
    for start in range(0, len(values), IN_CHUNK):
        found.extend(queryset.filter(**{f"{lookup}__in": values[start:start + IN_CHUNK]}))
    return found


def _assign(obj, values: dict[str, Any]) -> frozenset[str]:
    """Set the values that differ; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return frozenset(changed)


def _bulk_update(model, groups: dict[frozenset, list], extra: tuple[str, ...] = ()) -> None:
    """Write only the fields that changed, one bulk_update per set of changed fields."""
    for fields, objects in groups.items():
        model.objects.bulk_update(objects, [*sorted(fields), *extra], batch_size=BATCH_SIZE)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _run(batch: ImportBatch, *, actor, file, spec: Columns, apply, action: str) -> ImportBatch:
    """Read, check and apply a file; save the batch whatever the outcome."""
    try:
        table = read_table(file, batch.file_name, spec)
        batch.rows = len(table.rows)
        with transaction.atomic():
            counts = apply(table)  # raises Rejected before writing anything
            batch.outcome = ImportBatch.Outcome.APPLIED
            batch.created, batch.updated, batch.unchanged = (
                counts.created, counts.updated, counts.unchanged)
            batch.save()
            audit_record(
                actor=actor, action=action, obj=batch,
                summary=f"{batch.file_name}: {counts.created} created, {counts.updated} "
                        f"updated, {counts.unchanged} unchanged",
                created=counts.created, updated=counts.updated,
            )
    except Rejected as rejected:
        _reject(batch, rejected.errors)
    except (IntegrityError, DataError):
        # Another user changed the same records between our check and our write, or a
        # value passed our checks but not the database's.
        _reject(batch, [error(None, None, _(
            "The data changed while the file was being imported. Nothing was saved; upload "
            "the file again."))])
    return batch


def _reject(batch: ImportBatch, errors: list[dict]) -> None:
    batch.pk = None
    batch._state.adding = True
    batch.outcome = ImportBatch.Outcome.REJECTED
    batch.created = batch.updated = batch.unchanged = 0
    errors = sorted(errors, key=lambda item: item["row"] or 0)  # stable: file errors first
    batch.errors = errors[:MAX_ERRORS]
    if len(errors) > MAX_ERRORS:
        batch.errors.append(error(None, None, _("… and %(count)s more errors.")
                                  % {"count": len(errors) - MAX_ERRORS}))
    batch.save()


# --- Students ------------------------------------------------------------------------------


def students_import(*, actor, school: School, file, file_name: str) -> ImportBatch:
    """Import the school's students, their guardians and guardianships from a spreadsheet
    (the national education database's student export, plus guardian columns)."""
    batch = ImportBatch(kind=ImportBatch.Kind.STUDENTS, school=school, uploaded_by=actor,
                        file_name=file_name[:255])
    return _run(batch, actor=actor, file=file, spec=STUDENT_COLUMNS,
                apply=lambda table: _students_apply(table, school), action="students_import")


@dataclass
class GuardianEntry:
    key: str  # the phone number, or "@" + the e-mail in lower case
    full_name: str
    phone: str
    email: str
    row: int


def _students_apply(table: Table, school: School) -> Counts:
    _derive_grades(table, school)
    _check_unique(table, "national_id")
    codes = [row.values["national_id"] for row in table.rows if row.has("national_id")]
    existing = {s.national_id: s for s in _fetch(Student.objects.all(), "national_id", codes)}
    _check_other_schools(table, school, existing)
    entries = _guardian_entries(table)
    on_record = _load_guardians(entries)
    shared = _check_guardians_on_record(table, school, entries, on_record)
    if table.errors:
        raise Rejected(table.errors)

    students, touched = _write_students(table, school, existing)
    guardians, changed_keys = _write_guardians(entries, on_record, shared)
    touched |= _write_guardianships(table, students, guardians, existing)
    touched |= {row.number for row in table.rows if row.guardian_key in changed_keys}

    counts = Counts()
    for row in table.rows:
        if row.values["national_id"] not in existing:
            counts.created += 1
        elif row.number in touched:
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts


def _derive_grades(table: Table, school: School) -> None:
    """The grade from the "Khối" column, else the school's only grade (a preschool), else
    the class code's leading digits (7A1 -> 7); it must be one the school teaches."""
    for row in table.rows:
        if row.raw.get("grade") and not row.has("grade"):
            continue  # the grade cell was wrong: already reported
        value, source = row.values.get("grade"), "grade"
        if value is None and school.grade_min == school.grade_max:
            value = school.grade_min
        elif value is None and row.has("homeroom"):
            source = "homeroom"
            digits = re.match(r"\d{1,2}", row.values["homeroom"])
            if digits:
                value = int(digits.group())
            else:
                table.add_error(row.number, "homeroom", _(
                    "The grade cannot be read from %(column)s '%(value)s': add a column "
                    "'Khối' with the grade."), value=row.raw["homeroom"])
                continue
        if value is None:
            continue
        if not school.grade_min <= value <= school.grade_max:
            table.add_error(row.number, source, _(
                "%(column)s '%(value)s': grade %(grade)s is not taught at this school "
                "(grades %(min)s to %(max)s)."), value=row.raw[source], grade=value,
                min=school.grade_min, max=school.grade_max)
            continue
        row.values["grade"] = value


def _check_other_schools(table: Table, school: School, existing: dict[str, Student]) -> None:
    for row in table.rows:
        student = existing.get(row.values.get("national_id"))
        if student is not None and student.school_id != school.pk:
            # The other school is not named: the principal has no right to know it.
            table.add_error(row.number, "national_id", _(
                "%(column)s '%(value)s' belongs to a student of another school. A student "
                "moves between schools through a transfer, not an import."),
                value=row.raw["national_id"])


def _guardian_entries(table: Table) -> dict[str, GuardianEntry]:
    """One entry per guardian in the file, keyed on the phone number (else the e-mail);
    each row's key is kept in ``row.guardian_key``."""
    entries: dict[str, GuardianEntry] = {}
    for row in table.rows:
        name = row.values.get("guardian_name") or ""
        phone = row.values.get("guardian_phone") or ""
        mail = row.values.get("guardian_email") or ""
        if not name:
            if phone or mail:
                table.add_error(row.number, "guardian_name", _(
                    "%(column)s is required when a guardian's phone number or e-mail is given."))
            continue
        if not (phone or mail):
            if not (row.raw.get("guardian_phone") or row.raw.get("guardian_email")):
                table.add_error(row.number, "guardian_name", _(
                    "%(column)s '%(value)s': a guardian needs a phone number or an e-mail "
                    "(columns '%(phone)s', '%(email)s')."), value=row.raw["guardian_name"],
                    phone=table.column("guardian_phone"), email=table.column("guardian_email"))
            continue
        key, key_field = (phone, "guardian_phone") if phone else ("@" + mail.lower(),
                                                                  "guardian_email")
        entry = entries.get(key)
        if entry is None:
            entries[key] = GuardianEntry(key, name, phone, mail, row.number)
        elif entry.full_name.casefold() != name.casefold():
            table.add_error(row.number, key_field, _(
                "%(column)s '%(value)s' is given for two different guardians: '%(first_name)s' "
                "in row %(first)s and '%(name)s' in row %(row)s."),
                value=row.raw[key_field], first_name=entry.full_name, first=entry.row,
                name=name, row=row.number)
            continue
        elif mail and not entry.email:
            entry.email = mail
        row.guardian_key = key
    return entries


def _write_students(table: Table, school: School, existing: dict[str, Student]):
    """Create and update the students; return them by code, and the rows that changed."""
    now = timezone.now()
    students: dict[str, Student] = {}
    created: list[Student] = []
    changed: dict[frozenset, list[Student]] = defaultdict(list)
    touched: set[int] = set()
    for row in table.rows:
        code_ = row.values["national_id"]
        values = {name: row.values[name] for name in STUDENT_FIELDS if name in row.values}
        student = existing.get(code_)
        if student is None:
            student = Student(school=school, national_id=code_, **values)
            created.append(student)
        else:
            fields = _assign(student, values)
            if fields:
                student.updated_at = now  # bulk_update does not apply auto_now
                changed[fields].append(student)
                touched.add(row.number)
        students[code_] = student
    Student.objects.bulk_create(created, batch_size=BATCH_SIZE)
    _bulk_update(Student, changed, extra=("updated_at",))
    return students, touched


def _load_guardians(entries: dict[str, GuardianEntry]) -> dict[str, Guardian]:
    """The guardians already on record under the file's phone numbers and e-mails."""
    phones = [e.phone for e in entries.values() if e.phone]
    mails = [e.key[1:] for e in entries.values() if not e.phone]
    loaded = {g.pk: g for g in _fetch(Guardian.objects.all(), "phone", phones)}
    loaded |= {g.pk: g for g in _fetch(
        Guardian.objects.annotate(email_lower=Lower("email")).order_by("pk"), "email_lower",
        mails)}
    by_key: dict[str, Guardian] = {}
    for guardian in sorted(loaded.values(), key=lambda g: g.pk):
        if guardian.phone:
            by_key.setdefault(guardian.phone, guardian)
        if guardian.email:
            by_key.setdefault("@" + guardian.email.lower(), guardian)
    return by_key


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _check_guardians_on_record(table, school, entries, on_record) -> set[int]:
    """A phone number or e-mail already on record for a person of another name is an error:
    a mistyped number must not attach a stranger to a child, nor rename a parent of another
    school. Returns the guardians shared with other schools or holding an account, whose
    details this school's file may not change."""
    for key, entry in entries.items():
        guardian = on_record.get(key)
        if guardian is not None and not _same_name(guardian.full_name, entry.full_name):
            field = "guardian_phone" if entry.phone else "guardian_email"
            # The name on record is not shown: it may be another school's parent.
            table.add_error(entry.row, field, _(
                "%(column)s '%(value)s' is already recorded for a person of another name. "
                "Check the number; if the person is the same, correct the name first."),
                value=entry.phone or entry.email)
    ids = [g.pk for g in on_record.values()]
    others = Guardianship.objects.exclude(student__school=school).only("guardian_id")
    elsewhere = {link.guardian_id for link in _fetch(others, "guardian_id", ids)}
    return elsewhere | {g.pk for g in on_record.values() if g.user_id}


def _write_guardians(entries, by_key, shared):
    """Create and update the guardians; return them by key, and the keys that changed.
    Guardians in ``shared`` are linked but never edited."""
    guardians: dict[str, Guardian] = {}
    created: list[Guardian] = []
    changed: dict[frozenset, list[Guardian]] = defaultdict(list)
    changed_keys: set[str] = set()
    for key, entry in entries.items():
        guardian = by_key.get(key)
        if guardian is None:
            guardian = Guardian(full_name=entry.full_name, phone=entry.phone, email=entry.email)
            created.append(guardian)
        elif guardian.pk not in shared:
            values = {"full_name": entry.full_name}
            if entry.email and entry.email.lower() != guardian.email.lower():
                values["email"] = entry.email
            fields = _assign(guardian, values)
            if fields:
                changed[fields].append(guardian)
                changed_keys.add(key)
        guardians[key] = guardian
    Guardian.objects.bulk_create(created, batch_size=BATCH_SIZE)
    _bulk_update(Guardian, changed)
    return guardians, changed_keys


def _write_guardianships(table, students, guardians, existing) -> set[int]:
    """Link each row's student to its guardian; return the rows whose link changed.
    Links not in the file are kept: a file lists guardians, it does not remove them."""
    student_ids = [s.pk for s in existing.values()]
    links = {(g.student_id, g.guardian_id): g
             for g in _fetch(Guardianship.objects.all(), "student_id", student_ids)}
    created: list[Guardianship] = []
    changed: list[Guardianship] = []
    touched: set[int] = set()
    for row in table.rows:
        if row.guardian_key is None:
            continue
        student = students[row.values["national_id"]]
        guardian = guardians[row.guardian_key]
        relationship = row.values.get("relationship")
        link = links.get((student.pk, guardian.pk))
        if link is None:
            link = Guardianship(student=student, guardian=guardian,
                                relationship=relationship or Guardianship.Relationship.GUARDIAN)
            links[(student.pk, guardian.pk)] = link
            created.append(link)
        elif relationship and link.relationship != relationship:
            link.relationship = relationship
            changed.append(link)
        else:
            continue
        touched.add(row.number)
    Guardianship.objects.bulk_create(created, batch_size=BATCH_SIZE)
    Guardianship.objects.bulk_update(changed, ["relationship"], batch_size=BATCH_SIZE)
    return touched


# --- Schools -------------------------------------------------------------------------------


SCHOOL_FIELDS = ["name", "level", "ownership", "grade_min", "grade_max", "address", "phone",
                 "email"]


def schools_import(*, actor, file, file_name: str) -> ImportBatch:
    """Import schools (a Department official's list, keyed on the MOET school code)."""
    batch = ImportBatch(kind=ImportBatch.Kind.SCHOOLS, uploaded_by=actor,
                        file_name=file_name[:255])
    return _run(batch, actor=actor, file=file, spec=SCHOOL_COLUMNS,
                apply=lambda table: _schools_apply(table, actor), action="schools_import")


def _in_scope(actor, model):
    """What the actor may touch; everything for the management command (no actor)."""
    return model.objects.all() if actor is None else policy.visible(actor, model)


def _schools_apply(table: Table, actor) -> Counts:
    _check_unique(table, "moet_code")
    codes = [row.values["moet_code"] for row in table.rows if row.has("moet_code")]
    existing = {s.moet_code: s for s in _fetch(School.objects.all(), "moet_code", codes)}
    mine = {s.pk for s in _fetch(_in_scope(actor, School), "moet_code", codes)}
    units = _school_units(table, actor)
    for row in table.rows:
        school = existing.get(row.values.get("moet_code"))
        if school is not None and school.pk not in mine:
            table.add_error(row.number, "moet_code", _(
                "%(column)s '%(value)s' is the code of a school outside your area."),
                value=row.raw["moet_code"])
        _school_grades(table, row, school)
    if table.errors:
        raise Rejected(table.errors)

    now = timezone.now()
    counts = Counts()
    created: list[School] = []
    changed: dict[frozenset, list[School]] = defaultdict(list)
    for row in table.rows:
        values = {name: row.values[name] for name in SCHOOL_FIELDS if name in row.values}
        values["unit_id"] = units[row.values["unit"]].pk
        school = existing.get(row.values["moet_code"])
        if school is None:
            created.append(School(moet_code=row.values["moet_code"], **values))
            counts.created += 1
            continue
        fields = _assign(school, values)
        if fields:
            school.updated_at = now
            changed[fields].append(school)
            counts.updated += 1
        else:
            counts.unchanged += 1
    School.objects.bulk_create(created, batch_size=BATCH_SIZE)
    _bulk_update(School, changed, extra=("updated_at",))
    if created or changed:
        public_data_changed.send(sender=School, school=None)  # names, contacts, closures
    return counts


def _school_units(table: Table, actor) -> dict[str, AdministrativeUnit]:
    """The units named in the file, by code; an unknown, superseded or out-of-scope code is
    an error on its row."""
    codes = [row.values["unit"] for row in table.rows if row.has("unit")]
    units = {u.code: u for u in _fetch(AdministrativeUnit.objects.all(), "code", codes)}
    allowed = {u.pk for u in _fetch(_in_scope(actor, AdministrativeUnit), "code", codes)}
    for row in table.rows:
        if not row.has("unit"):
            continue
        unit = units.get(row.values["unit"])
        if unit is None:
            message = _("%(column)s '%(value)s' is not the code of any administrative unit.")
        elif unit.pk not in allowed:
            message = _("%(column)s '%(value)s' is an administrative unit outside your area.")
        elif not unit.is_current():
            message = _("%(column)s '%(value)s' is an administrative unit no longer in force "
                        "(merged or dissolved); use the code of the unit that replaced it.")
        else:
            continue
        table.add_error(row.number, "unit", message, value=row.raw["unit"])
    return units


def _school_grades(table: Table, row: Row, school: School | None) -> None:
    """Fill in the grades from the level when the file leaves them blank (keeping an
    existing school's own grades if its level is unchanged), and check the range."""
    level = row.values.get("level")
    if level is None:
        return
    low, high = row.values.get("grade_min"), row.values.get("grade_max")
    if school is not None and school.level == level:
        default = (school.grade_min, school.grade_max)
    else:
        default = LEVEL_GRADES.get(level)
    if (low is None or high is None) and default is None:
        field_name = "grade_min" if low is None else "grade_max"
        if row.raw.get(field_name):
            return  # the cell was wrong: already reported
        table.add_error(row.number, field_name, _(
            "%(column)s is required for a multi-level school."))
        return
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if low > high:
        table.add_error(row.number, "grade_max", _(
            "%(column)s '%(value)s' is lower than the lowest grade %(low)s."),
            value=row.raw.get("grade_max") or high, low=low)
        return
    row.values["grade_min"], row.values["grade_max"] = low, high


# --- Subject results -------------------------------------------------------------------------


SUBJECT_EXAMPLES = 6  # subjects named in the message for an unknown one


def results_import(*, actor, school: School, term: Term, file, file_name: str) -> ImportBatch:
    """Import the end-of-term results of the school's students in ``term``, one row per
    student and subject: whether the student achieved the subject, the basis on which a
    student may be proposed for remedial tutoring. Keyed on student, term and subject."""
    batch = ImportBatch(kind=ImportBatch.Kind.RESULTS, school=school, term=term,
                        uploaded_by=actor, file_name=file_name[:255])
    return _run(batch, actor=actor, file=file, spec=RESULT_COLUMNS,
                apply=lambda table: _results_apply(table, school, term), action="results_import")


def subject_key(value: Any) -> str:
    """A subject's name or code compared loosely: "Vật lí", "VAT LY" and "vat-ly" are one.
    The 2018 programme writes "lí" where older lists write "lý", hence y as i."""
    return header_key(value).replace("y", "i")


def _results_apply(table: Table, school: School, term: Term) -> Counts:
    students = _result_students(table, school)
    _result_subjects(table)
    _check_one_result_per_subject(table)
    if table.errors:
        raise Rejected(table.errors)

    ids = [student.pk for student in students.values()]
    existing = {(r.student_id, r.subject_id): r
                for r in _fetch(SubjectResult.objects.filter(term=term), "student_id", ids)}
    counts = Counts()
    created: list[SubjectResult] = []
    changed: list[SubjectResult] = []
    for row in table.rows:
        student, subject = students[row.values["national_id"]], row.values["subject"]
        achieved = row.values["achieved"]
        result = existing.get((student.pk, subject.pk))
        if result is None:
            created.append(SubjectResult(student=student, term=term, subject=subject,
                                         achieved=achieved))
            counts.created += 1
        elif result.achieved != achieved:
            result.achieved = achieved
            changed.append(result)
            counts.updated += 1
        else:
            counts.unchanged += 1
    SubjectResult.objects.bulk_create(created, batch_size=BATCH_SIZE)
    SubjectResult.objects.bulk_update(changed, ["achieved"], batch_size=BATCH_SIZE)
    return counts


def _result_students(table: Table, school: School) -> dict[str, Student]:
    """The school's students named in the file, by code; any other code is an error."""
    codes = [row.values["national_id"] for row in table.rows if row.has("national_id")]
    found = _fetch(Student.objects.filter(school=school), "national_id", codes)
    students = {student.national_id: student for student in found}
    for row in table.rows:
        if row.has("national_id") and row.values["national_id"] not in students:
            # The same message for an unknown code and for another school's student: the
            # school has no right to learn which codes exist elsewhere.
            table.add_error(row.number, "national_id", _(
                "%(column)s '%(value)s' is not the code of a student of this school."),
                value=row.raw["national_id"])
    return students


def _result_subjects(table: Table) -> None:
    """Replace each row's subject as written by the subject on record: the one whose code,
    else whose name, matches it (see subject_key); no match, or two, is an error."""
    subjects = list(Subject.objects.order_by("name", "code"))
    by_code: dict[str, list[Subject]] = defaultdict(list)
    by_name: dict[str, list[Subject]] = defaultdict(list)
    for subject in subjects:
        by_code[subject_key(subject.code)].append(subject)
        by_name[subject_key(subject.name)].append(subject)
    for row in table.rows:
        if not row.has("subject"):
            continue
        key = subject_key(row.values.pop("subject"))
        matches = by_code.get(key) or by_name.get(key) or []
        if len(matches) == 1:
            row.values["subject"] = matches[0]
        elif matches:
            table.add_error(row.number, "subject", _(
                "%(column)s '%(value)s' names more than one subject; write its code instead: "
                "%(codes)s."), value=row.raw["subject"],
                codes=", ".join(subject.code for subject in matches))
        else:
            table.add_error(row.number, "subject", _(
                "%(column)s '%(value)s' is not a subject on record, such as: %(names)s."),
                value=row.raw["subject"], names=_subject_examples(key, subjects))


def _subject_examples(key: str, subjects: list[Subject]) -> str:
    """The subjects whose names come closest to the unknown one, else the first few."""
    names = {subject_key(subject.name): subject.name for subject in subjects}
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
    examples = [names[k] for k in close] or [s.name for s in subjects[:SUBJECT_EXAMPLES]]
    return ", ".join(f"'{name}'" for name in examples)


def _check_one_result_per_subject(table: Table) -> None:
    first: dict[tuple[str, int], int] = {}
    for row in table.rows:
        if not (row.has("national_id") and row.has("subject")):
            continue
        key = (row.values["national_id"], row.values["subject"].pk)
        if key in first:
            table.add_error(row.number, "subject", _(
                "%(column)s '%(value)s' is given twice for student %(student)s: rows "
                "%(first)s and %(row)s."), value=row.raw["subject"],
                student=row.raw["national_id"], first=first[key], row=row.number)
        else:
            first[key] = row.number
