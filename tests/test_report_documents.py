"""What official documents say and to whom: nothing a reader beyond the authority may not
know, Decree 30's forms (place, signature, number), one conclusion per inspection, and a
report that cannot be queued or never runs shown as failed."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inspections.models import Inspection
from reports import documents, figures, services
from reports.documents import Issuer, IssuerKind
from reports.models import DocumentKind, IssuedDocument, ReportJob
from schools.models import AdministrativeUnit, School

from .conftest import client_for
from .factories import SchoolFactory, UnitFactory
from .test_complaints import file_complaint
from .test_inspections import order
from .test_reports import (
    committed,
    concluded,
    flat,
    issue_conclusion,
    pdf_text,
    request_report,
    verify_url,
    vi,
)
from .test_reports import issued as issued  # noqa: F401 (a fixture, used by name)

Status = ReportJob.Status


def year_period(world):
    return figures.Period(world.year, world.year.start, world.year.end)


def test_a_published_count_never_includes_an_unannounced_inspection_not_started(world):
    order(world)  # unannounced, planned, not started
    schools = School.objects.filter(pk=world.school_a.pk)
    # The Department's own dashboard knows of it; a document read by others does not.
    assert figures.compute(schools, year_period(world)).total.inspections == 1
    published = figures.compute(schools, year_period(world), published=True)
    assert published.total.inspections == 0


def test_reports_are_counted_as_published(world, monkeypatch):
    seen = []
    compute = figures.compute

    def spy(*args, **kwargs):
        seen.append(kwargs.get("published"))
        return compute(*args, **kwargs)

    monkeypatch.setattr("reports.builders.figures.compute", spy)
    order(world)
    job = request_report(
        world.department, kind=DocumentKind.SCHOOL, school=world.school_a, school_year=world.year
    )
    assert job.status == Status.DONE, job.error
    assert seen == [True]


def document_text(job, tmp_path) -> str:
    with job.document.file.open("rb") as f:
        return flat(pdf_text(f.read(), tmp_path))


def test_complaints_are_in_the_city_report_only(world, tmp_path):
    file_complaint(world)
    city = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    area = request_report(
        world.department, kind=DocumentKind.AREA, unit=world.area_a, school_year=world.year
    )
    school = request_report(
        world.department, kind=DocumentKind.SCHOOL, school=world.school_a, school_year=world.year
    )
    sentence = vi("Complaints filed in the period: %(open)s being handled, %(closed)s closed.")
    said = sentence.split("%(open)s")[0].strip()
    assert said in document_text(city, tmp_path)
    for job in (area, school):
        text = document_text(job, tmp_path)
        assert said not in text
        assert vi("Complaints filed in the period, by category") not in text


def test_the_conclusion_bears_the_day_it_was_signed(world, monkeypatch):
    inspection = concluded(world)
    signed = timezone.now() - datetime.timedelta(days=40)
    Inspection.objects.filter(pk=inspection.pk).update(concluded_at=signed)
    seen = {}

    def render(template, context):
        seen.update(context)
        return b"%PDF-1.7 conclusion", []

    monkeypatch.setattr("reports.documents.render_pdf", render)
    job = issue_conclusion(world, inspection)
    assert job.status == Status.DONE, job.error
    day = timezone.localdate(signed)
    assert seen["issued_on"] == documents.date_parts(day)
    assert job.document.year == day.year


def test_two_requests_at_once_give_one_conclusion(world, monkeypatch):
    """The loser of the race (its existence check passed before the winner saved) finds
    the constraint in its way and returns the winner's document."""
    inspection = concluded(world)
    monkeypatch.setattr("reports.documents.render_pdf", lambda t, c: (b"%PDF-1.7 x", []))
    issuer = documents.issuer_for(world.inspector, school=inspection.school)
    kwargs = {
        "kind": DocumentKind.CONCLUSION,
        "template": "reports/pdf/conclusion.html",
        "context": {},
        "issuer": issuer,
        "prefix": "KL",
        "title": "Kết luận",
        "user": world.inspector,
        "inspection": inspection,
    }
    first = documents.issue(**kwargs)
    second = documents.issue(**kwargs)
    assert second == first
    assert IssuedDocument.objects.count() == 1


def test_a_report_the_queue_refuses_is_failed_at_once(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr("reports.services.generate_report", SimpleNamespace(enqueue=refuse))
    with committed():
        job = services.report_request(
            actor=world.department, job=ReportJob(kind=DocumentKind.CITY, school_year=world.year)
        )
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == vi("The report could not be queued. Try again.")


def test_a_report_waiting_a_day_is_failed_and_a_fresh_one_is_not(world, monkeypatch):
    nothing_runs = SimpleNamespace(enqueue=lambda *a, **k: None)
    monkeypatch.setattr("reports.services.generate_report", nothing_runs)
    with committed():
        old = services.report_request(
            actor=world.department, job=ReportJob(kind=DocumentKind.CITY, school_year=world.year)
        )
        fresh = services.report_request(
            actor=world.department,
            job=ReportJob(kind=DocumentKind.AREA, unit=world.area_a, school_year=world.year),
        )
    ReportJob.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    assert services.fail_stale(ReportJob.objects.all()) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Status.FAILED and old.error
    assert fresh.status == Status.QUEUED
    # The waiting one no longer blocks asking again.
    with committed():
        again = services.report_request(
            actor=world.department, job=ReportJob(kind=DocumentKind.CITY, school_year=world.year)
        )
    assert again.pk != old.pk


def issuer(kind):
    return Issuer(
        kind=kind,
        key="k",
        parent="",
        name="N",
        title="N",
        abbreviation="A",
        place="P",
        superior="S",
    )


@pytest.mark.parametrize(
    ("kind", "position", "lines"),
    [
        (IssuerKind.DEPARTMENT, "Giám đốc", ["DIRECTOR"]),
        (IssuerKind.DEPARTMENT, "Phó Giám đốc", ["P.P. DIRECTOR", "PHÓ GIÁM ĐỐC"]),
        (
            IssuerKind.DEPARTMENT,
            "Trưởng phòng Giáo dục",
            ["B.O. DIRECTOR", "TRƯỞNG PHÒNG GIÁO DỤC"],
        ),
        (IssuerKind.DEPARTMENT, "", ["B.O. DIRECTOR"]),
        (IssuerKind.COMMITTEE, "Chủ tịch", ["ON BEHALF OF THE PEOPLE'S COMMITTEE", "CHAIRPERSON"]),
        (
            IssuerKind.COMMITTEE,
            "Phó Chủ tịch",
            ["ON BEHALF OF THE PEOPLE'S COMMITTEE", "P.P. CHAIRPERSON", "PHÓ CHỦ TỊCH"],
        ),
        (IssuerKind.COMMITTEE, "", ["ON BEHALF OF THE PEOPLE'S COMMITTEE"]),
        (IssuerKind.SCHOOL, "Giám đốc", ["GIÁM ĐỐC"]),
        (IssuerKind.SCHOOL, "", ["Principal"]),
    ],
)
def test_the_signature_block_follows_the_signers_position(kind, position, lines):
    """A position not recorded is not invented: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" only for a
    deputy director, "TL." (by order) for any other official."""
    user = User(username="u", position=position)
    expected = [vi(line).upper() if line.isascii() else line for line in lines]
    assert issuer(kind).signature(user) == expected


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Thành phố Hải Phòng", "Hải Phòng"),
        ("Phường Hồng Bàng", "Hồng Bàng"),
        ("Xã An Hồng", "An Hồng"),
        ("Phường 1", "Phường 1"),
    ],
)
def test_the_place_of_issue_drops_the_level_word_unless_only_a_number_is_left(name, place):
    assert documents.place_name(AdministrativeUnit(name=name)) == place


def test_a_committee_issues_from_its_own_ward_and_a_school_from_its_own(world):
    committee = documents.issuer_for(world.committee, unit=world.area_a)
    assert committee.place == "Hồng Bàng"
    assert committee.kind == IssuerKind.COMMITTEE
    head = documents.issuer_for(world.principal, school=world.school_a)
    assert head.kind == IssuerKind.SCHOOL
    assert head.abbreviation == documents.abbreviation(world.school_a.name)
    assert documents.abbreviation("Trường THCS Hồng Bàng") == "THCSHB"


def test_an_upload_larger_than_any_document_is_refused_before_it_is_read(issued, settings):
    settings.REPORT_PDF_MAX_BYTES = 1_000
    big = SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * 200_000, content_type="application/pdf")
    response = Client().post(verify_url(), {"file": big})
    assert response.status_code == 413
    assert vi("The file is larger than any document the portal issues.") in response.text


def test_comparisons_from_one_address_are_limited(issued, settings):
    cache.clear()
    settings.COMPLAINT_LOOKUP_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        assert client.post(verify_url(), {"checksum": issued.checksum}).context["match"] is True
    refused = client.post(verify_url(), {"checksum": issued.checksum})
    assert refused.status_code == 429
    assert refused.context["match"] is None
    # Another address still compares.
    other = Client(REMOTE_ADDR="203.0.113.10").post(verify_url(), {"checksum": issued.checksum})
    assert other.context["match"] is True


def test_the_comparison_form_still_needs_its_csrf_token(issued):
    client = Client(enforce_csrf_checks=True)
    assert client.post(verify_url(), {"checksum": issued.checksum}).status_code == 403


def test_a_unit_in_running_text_has_its_level_word_in_lower_case():
    assert documents.in_text(AdministrativeUnit(name="Phường Hồng Bàng")) == "phường Hồng Bàng"
    assert documents.in_text(AdministrativeUnit(name="Thành phố Hải Phòng")) == (
        "thành phố Hải Phòng"
    )


def test_an_area_report_counts_the_schools_of_units_merged_into_the_area(world, monkeypatch):
    old = UnitFactory(code="31990", name="Quận cũ", level="district", parent=world.province)
    AdministrativeUnit.objects.filter(pk=old.pk).update(successor=world.area_a)
    merged = SchoolFactory(name="Trường Tiểu học Sáp Nhập", unit=old)
    counted = []
    compute = figures.compute

    def spy(schools, *args, **kwargs):
        counted.extend(schools.values_list("pk", flat=True))
        return compute(schools, *args, **kwargs)

    monkeypatch.setattr("reports.builders.figures.compute", spy)
    job = request_report(
        world.department, kind=DocumentKind.AREA, unit=world.area_a, school_year=world.year
    )
    assert job.status == Status.DONE, job.error
    assert merged.pk in counted and world.school_a.pk in counted


def test_the_head_gets_the_official_pdf_button_once_the_conclusion_is_issued(world, monkeypatch):
    monkeypatch.setattr("reports.documents.render_pdf", lambda t, c: (b"%PDF-1.7 x", []))
    inspection = concluded(world)
    page = reverse("inspections:inspection_detail", args=[inspection.pk])
    button = reverse("reports:conclusion_pdf", args=[inspection.pk])
    head = client_for(world.principal)
    team_head = client_for(world.inspector)
    assert button in team_head.get(page).text
    assert button not in head.get(page).text
    assert head.post(button).status_code == 403

    issued = issue_conclusion(world, inspection).document
    assert button in head.get(page).text
    with committed():
        response = head.post(button)
    assert response.status_code == 302
    assert ReportJob.objects.get(requested_by=world.principal).document == issued
    assert IssuedDocument.objects.count() == 1
