"""Time the student import on a throw-away SQLite database: 10,000 rows with guardians,
imported once (everything created), again (nothing changes) and with one row in ten changed.

    make bench        (or: .venv/bin/python scripts/bench_import.py [ROWS])
"""

import datetime
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = tempfile.mkdtemp(prefix="bench_import_")
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402

from schools.imports import STUDENT_COLUMNS, read_table, students_import  # noqa: E402
from schools.models import AdministrativeUnit, School, SchoolLevel  # noqa: E402

HEADER = ["STT", "Mã lớp", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Trạng thái",
          "Dân tộc", "Số CCCD", "Họ tên cha mẹ/người giám hộ", "Quan hệ",
          "Số điện thoại phụ huynh", "Email phụ huynh"]


def workbook(rows: int, changed_every: int = 0) -> bytes:
    """A national-export-like sheet; siblings (every third student) share a guardian. (Not
    write-only: that mode leaves out the sheet's dimension, which Excel always writes.)"""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for i in range(rows):
        family = i - (i % 3 == 1)
        name = f"Nguyễn Văn Học Sinh {i}"
        if changed_every and i % changed_every == 0:
            name += " (sửa)"
        born = datetime.date(2011 + i % 4, 1 + i % 12, 1 + i % 28)
        sheet.append([
            i + 1, f"{6 + i % 4}A{1 + i % 10}", f"31{i:08d}", name,
            born if i % 2 else born.strftime("%d/%m/%Y"), "Nam" if i % 2 else "Nữ",
            "Đang học", "Kinh", f"0312{i:08d}", f"Trần Thị Phụ Huynh {family}",
            "Mẹ", f"09{family:08d}", f"ph{family}@example.vn" if family % 5 == 0 else "",
        ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(label, school, content, rows):
    started = time.perf_counter()
    read_table(io.BytesIO(content), "bench.xlsx", STUDENT_COLUMNS)
    reading = time.perf_counter() - started
    started = time.perf_counter()
    batch = students_import(actor=None, school=school, file=io.BytesIO(content),
                            file_name="bench.xlsx")
    seconds = time.perf_counter() - started
    if batch.outcome != "applied":
        sys.exit(f"{label}: rejected: {batch.errors[:5]}")
    print(f"| {label:<22} | {rows:>6} | {reading:>14.2f} | {seconds:>9.2f} "
          f"| {rows / seconds:>7.0f} | {batch.created:>7} | {batch.updated:>7} "
          f"| {batch.unchanged:>9} |")


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    try:
        call_command("migrate", verbosity=0)
        province = AdministrativeUnit.objects.create(code="31", name="Hải Phòng", level="province")
        commune = AdministrativeUnit.objects.create(code="31001", name="Hồng Bàng",
                                                    level="commune", parent=province)
        school = School.objects.create(moet_code="31000001", name="Trường THCS Thử",
                                       level=SchoolLevel.LOWER_SECONDARY, grade_min=6,
                                       grade_max=9, unit=commune)
        started = time.perf_counter()
        content, changed = workbook(rows), workbook(rows, changed_every=10)
        print(f"SQLite {WORKDIR}; two {rows:,}-row workbooks generated in "
              f"{time.perf_counter() - started:.1f} s ({len(content) / 1e6:.1f} MB each)\n")
        print("| run                    |   rows | read+parse (s) | total (s) |  rows/s "
              "| created | updated | unchanged |")
        print("|------------------------|-------:|---------------:|----------:|--------:"
              "|--------:|--------:|----------:|")
        timed("first import", school, content, rows)
        timed("same file again", school, content, rows)
        timed("one row in ten changed", school, changed, rows)
        print("\n'total' is the whole import (read, check every cell and row, write); "
              "'read+parse' is reading the file and checking its cells alone.")
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
