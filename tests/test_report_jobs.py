"""Report requests as background jobs: one job for a double submit, progress shown while it
runs, the download and its audit, a failure recorded and raised, retries; who may ask for
which report and issue which conclusion; the numbering of documents; bad input on the form."""

import datetime
import hashlib

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from accounts.models import AuditEvent
from reports import builders, services, tasks
from reports.documents import abbreviation
from reports.models import DocumentKind, IssuedDocument, ReportJob

from .conftest import client_for
from .test_inspections import order, started
from .test_reports import (
    ask_in_browser,
    committed,
    concluded,
    issue_conclusion,
    request_report,
    vi,
    whole_year,
)

Status = ReportJob.Status
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queued_only(settings):
    """Jobs are queued and never run: the dummy backend keeps what it is given."""
    from django_tasks import task_backends

    settings.TASKS = DUMMY  # django_tasks drops its cached backends on setting_changed
    backend = task_backends["default"]
    assert type(backend).__name__ == "DummyBackend"
    return backend


@pytest.fixture
def fake_pdf(monkeypatch):
    """Documents laid out as a few bytes: for what does not depend on the layout."""

    def render(template, context):
        return f"%PDF-1.7 {template} {context['reference']}".encode(), []

    monkeypatch.setattr("reports.documents.render_pdf", render)


def detail(job):
    return reverse("reports:job_detail", args=[job.pk])


def jobs_count():
    return ReportJob.objects.count()


def _second_department_user(world):
    from accounts.models import Role
    from schools.services import role_grant

    from .factories import UserFactory

    user = UserFactory(username="so.gddt2")
    role_grant(actor=None, user=user, role=Role.DEPARTMENT, unit=world.province)
    return user


# --- 5. Jobs -------------------------------------------------------------------------------


def test_a_double_submit_makes_one_job(world, queued_only):
    client = client_for(world.department)
    data = whole_year(world)
    with committed():
        first = client.post(reverse("reports:job_list"), data)
        second = client.post(reverse("reports:job_list"), data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    job = ReportJob.objects.get()
    assert first.url == detail(job)
    assert job.status == Status.QUEUED
    assert len(queued_only.results) == 1
    assert queued_only.results[0].args == [job.pk]
    # Through the service as well, and another period is another job.
    with committed():
        again = services.report_request(
            actor=world.department,
            job=ReportJob(kind=DocumentKind.CITY, school_year=world.year),
        )
        other = services.report_request(
            actor=world.department,
            job=ReportJob(
                kind=DocumentKind.CITY,
                school_year=world.year,
                date_from=world.year.start,
                date_to=world.year.start.replace(month=12, day=31),
            ),
        )
    assert again == job
    assert other != job
    assert len(queued_only.results) == 2


def test_a_queued_job_polls_and_a_done_job_offers_its_download(world, queued_only):
    client = client_for(world.department)
    job = ask_in_browser(client, **whole_year(world))
    page = client.get(detail(job))
    assert page.status_code == 200
    assert "<progress" in page.text
    assert f'hx-get="{detail(job)}"' in page.text
    assert 'hx-trigger="every' in page.text
    assert reverse("reports:job_download", args=[job.pk]) not in page.text
    # The download is not there yet.
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404

    # What htmx asks for every two seconds: the status alone.
    partial = client.get(detail(job), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert [t.name for t in partial.templates] == ["reports/_job_status.html"]
    assert partial.text.lstrip().startswith('<section id="job-status"')
    assert "<html" not in partial.text

    tasks.run(job.pk)  # the worker
    job.refresh_from_db()
    assert job.status == Status.DONE and job.progress == 100
    partial = client.get(detail(job), headers={"HX-Request": "true"})
    download = reverse("reports:job_download", args=[job.pk])
    assert download in partial.text
    assert "hx-get" not in partial.text  # finished: the polling stops
    assert "<progress" not in partial.text
    assert job.document.reference in partial.text
    assert reverse("public:verify", args=[job.document.code]) in partial.text


def test_a_job_whose_worker_stopped_is_shown_failed_and_can_be_retried(
    world, queued_only, settings
):
    client = client_for(world.department)
    stuck = ask_in_browser(client, **whole_year(world))
    running = ask_in_browser(client, **{**whole_year(world), "date_to": world.year.start})
    long_ago = timezone.now() - datetime.timedelta(seconds=3 * settings.REPORT_PDF_MAX_SECONDS + 60)
    ReportJob.objects.filter(pk=stuck.pk).update(status=Status.RUNNING, started_at=long_ago)
    ReportJob.objects.filter(pk=running.pk).update(status=Status.RUNNING, started_at=timezone.now())

    page = client.get(detail(stuck))
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.error == vi("The report stopped before it was finished. Try again.")
    assert escape(stuck.error) in page.text
    assert f'action="{reverse("reports:job_retry", args=[stuck.pk])}"' in page.text
    # A job that started a moment ago is still being made.
    client.get(reverse("reports:job_list"))
    running.refresh_from_db()
    assert running.status == Status.RUNNING


def test_progress_is_shown_while_the_job_runs(world, queued_only, monkeypatch):
    client = client_for(world.department)
    job = ask_in_browser(client, **whole_year(world))
    seen = {}
    real_build = builders.build

    def build(running_job, progress):
        progress(55, "Đang đếm số liệu")
        seen["page"] = client.get(detail(running_job), headers={"HX-Request": "true"})
        return real_build(running_job, progress)

    monkeypatch.setattr(builders, "build", build)
    tasks.run(job.pk)
    page = seen["page"]
    assert page.context["job"].status == Status.RUNNING
    assert "55%" in page.text
    assert 'value="55"' in page.text
    assert "Đang đếm số liệu" in page.text
    assert f'hx-get="{detail(job)}"' in page.text
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_a_job_is_run_once(world, queued_only, fake_pdf):
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    tasks.run(job.pk)
    tasks.run(job.pk)  # a second delivery of the same task
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 1
    assert IssuedDocument.objects.count() == 1


def test_the_download_is_the_issued_file_and_is_audited(world):
    client = client_for(world.department)
    job = ask_in_browser(client, **whole_year(world))
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    response = client.get(reverse("reports:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert job.document.code in response["Content-Disposition"]
    # Read to the end, the test client closes the file (and the request) itself.
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == job.document.checksum
    assert len(data) == job.document.size
    event = AuditEvent.objects.get(action="document_download")
    assert event.actor == world.department
    assert event.object_id == str(job.document.pk)
    assert AuditEvent.objects.filter(action="document_issue", object_id=event.object_id).exists()


def test_a_failing_builder_fails_the_job_and_the_task(world, monkeypatch):
    finished = []

    def record(sender, task_result, **kwargs):
        finished.append(task_result)

    def broken(job, progress):
        progress(30, "Đang vẽ biểu đồ")
        raise RuntimeError("the layout engine broke")

    monkeypatch.setattr(builders, "build", broken)
    task_finished.connect(record)
    try:
        # The in-process backend runs the task on commit and records its outcome.
        job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    finally:
        task_finished.disconnect(record)
    assert [r.status for r in finished] == [TaskResultStatus.FAILED]
    assert finished[0].errors[0].exception_class_path == "builtins.RuntimeError"
    assert "the layout engine broke" in finished[0].errors[0].traceback
    assert job.status == Status.FAILED
    assert job.finished_at is not None and job.document is None
    assert "RuntimeError" in job.error
    assert "the layout engine broke" not in job.error  # no internals shown to the user
    assert IssuedDocument.objects.count() == 0
    page = client_for(world.department).get(detail(job))
    assert escape(job.error) in page.text

    # The worker's own call raises: the error is never swallowed.
    ReportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    with pytest.raises(RuntimeError, match="the layout engine broke"):
        tasks.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.attempts == 2


def test_a_retry_of_a_job_that_did_not_fail_is_refused(world, fake_pdf):
    client = client_for(world.department)
    job = ask_in_browser(client, **whole_year(world))
    job.refresh_from_db()
    assert job.status == Status.DONE
    before = (job.status, job.attempts, job.document_id, job.finished_at)
    with committed():
        response = client.post(reverse("reports:job_retry", args=[job.pk]))
    assert response.status_code == 302 and response.url == detail(job)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [vi("Only a report that failed can be tried again.")]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.document_id, job.finished_at) == before
    assert IssuedDocument.objects.count() == 1
    assert not AuditEvent.objects.filter(action="report_retry").exists()
    # Retrying is a POST.
    assert client.get(reverse("reports:job_retry", args=[job.pk])).status_code == 405


def test_a_failed_job_is_retried_only_by_its_requester(world, queued_only):
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    ReportJob.objects.filter(pk=job.pk).update(status=Status.FAILED, error="x")
    other = _second_department_user(world)
    with pytest.raises(PermissionDenied):
        services.report_retry(actor=other, job=job)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    client = client_for(world.department)
    assert reverse("reports:job_retry", args=[job.pk]) in client.get(detail(job)).text
    with committed():
        client.post(reverse("reports:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.error) == (Status.QUEUED, "")
    assert len(queued_only.results) == 2  # queued again


def test_a_retry_is_refused_to_a_head_who_has_left_the_school(world, queued_only, fake_pdf):
    from schools.services import role_revoke_school

    job = request_report(
        world.principal, kind=DocumentKind.SCHOOL, school=world.school_a, school_year=world.year
    )
    ReportJob.objects.filter(pk=job.pk).update(status=Status.FAILED, error="x")
    role_revoke_school(actor=world.department, user=world.principal, school=world.school_a)
    with pytest.raises((PermissionDenied, ValidationError)), committed():
        services.report_retry(actor=world.principal, job=job)
    tasks.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert IssuedDocument.objects.count() == 0


def _failing(monkeypatch, *errors):
    """The builder fails with each of ``errors`` in turn, then works; returns its calls."""
    calls = []
    real_build = builders.build

    def build(job, progress):
        calls.append(job.pk)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return real_build(job, progress)

    monkeypatch.setattr(builders, "build", build)
    return calls


def test_a_job_failing_once_on_the_disk_is_tried_again_and_made(world, fake_pdf, monkeypatch):
    calls = _failing(monkeypatch, OSError(28, "No space left on device"))
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    assert len(calls) == 2
    assert (job.status, job.attempts, job.error) == (Status.DONE, 2, "")
    assert IssuedDocument.objects.count() == 1
    page = client_for(world.department).get(detail(job))
    assert 'data-attempts="2"' in page.text
    assert reverse("reports:job_download", args=[job.pk]) in page.text


def test_a_job_failing_on_the_disk_every_time_fails_after_three_attempts(
    world, fake_pdf, monkeypatch
):
    calls = _failing(monkeypatch, *[OSError("disk")] * 5)
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    assert len(calls) == tasks.MAX_ATTEMPTS == 3
    assert (job.status, job.attempts) == (Status.FAILED, 3)
    assert "OSError" in job.error
    page = client_for(world.department).get(detail(job))
    assert 'data-attempts="3"' in page.text
    assert reverse("reports:job_retry", args=[job.pk]) in page.text


def test_a_report_over_a_cap_is_not_tried_again(world, fake_pdf, monkeypatch):
    from reports.pdf import PdfTooLarge

    calls = _failing(monkeypatch, PdfTooLarge("Quá nhiều trang"))
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    assert len(calls) == 1
    assert (job.status, job.attempts, job.error) == (Status.FAILED, 1, "Quá nhiều trang")


def test_with_a_worker_the_next_attempt_waits_and_the_page_says_so(
    world, queued_only, fake_pdf, monkeypatch
):
    from django.db import OperationalError

    calls = _failing(monkeypatch, OperationalError("server closed the connection"))
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    with pytest.raises(OperationalError):
        tasks.run(job.pk)  # the worker; the task framework records the failure
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.QUEUED, 1)
    later = queued_only.results[-1]
    assert later.args == [job.pk] and len(queued_only.results) == 2
    wait = later.task.run_after - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(minutes=1)
    page = client_for(world.department).get(detail(job), headers={"HX-Request": "true"})
    assert escape(job.error) in page.text and "OperationalError" in job.error
    assert 'hx-trigger="every' in page.text  # still waiting: the page keeps polling
    tasks.run(job.pk)  # the worker, a minute later
    job.refresh_from_db()
    assert (job.status, job.attempts, len(calls)) == (Status.DONE, 2, 2)


# --- 6. Who may ask for what ------------------------------------------------------------------


def post_request(user, data):
    with committed():
        return client_for(user).post(reverse("reports:job_list"), data)


@pytest.mark.parametrize(
    ("kind", "scope"),
    [("city", {}), ("area", {"unit": "area_b"}), ("school", {"school": "school_b"})],
)
def test_the_department_asks_for_every_kind(world, queued_only, kind, scope):
    fields = {name: getattr(world, value).pk for name, value in scope.items()}
    response = post_request(world.department, whole_year(world, kind, **fields))
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert (job.kind, job.requested_by) == (kind, world.department)
    assert {name: getattr(job, f"{name}_id") for name in fields} == fields


def test_the_department_reports_on_its_own_city_only(world, queued_only):
    for data, field in (
        (whole_year(world, "school", school=world.school_far.pk), "school"),
        (whole_year(world, "area", unit=world.area_far.pk), "unit"),
    ):
        response = post_request(world.department, data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
    assert jobs_count() == 0


def test_a_committee_reports_on_its_own_area_and_its_schools(world, queued_only):
    assert (
        post_request(world.committee, whole_year(world, "area", unit=world.area_a.pk)).status_code
        == 302
    )
    assert (
        post_request(
            world.committee, whole_year(world, "school", school=world.school_a.pk)
        ).status_code
        == 302
    )
    assert jobs_count() == 2
    for data, field in (
        (whole_year(world, "area", unit=world.area_b.pk), "unit"),
        (whole_year(world, "area", unit=world.area_far.pk), "unit"),
        (whole_year(world, "school", school=world.school_b.pk), "school"),
        (whole_year(world, "school", school=world.school_far.pk), "school"),
        (whole_year(world, "city"), "kind"),
    ):
        response = post_request(world.committee, data)
        assert response.status_code == 200, data
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert jobs_count() == 2


def test_a_committee_cannot_reach_another_area_through_the_service(world, queued_only):
    with pytest.raises(ValidationError) as error, committed():
        services.report_request(
            actor=world.committee,
            job=ReportJob(kind=DocumentKind.AREA, unit=world.area_b, school_year=world.year),
        )
    assert "unit" in error.value.message_dict
    with pytest.raises(PermissionDenied), committed():
        services.report_request(
            actor=world.committee, job=ReportJob(kind=DocumentKind.CITY, school_year=world.year)
        )
    assert jobs_count() == 0


def test_a_head_reports_on_their_school_only(world, queued_only):
    response = post_request(world.principal, whole_year(world, "school", school=world.school_a.pk))
    assert response.status_code == 302
    assert ReportJob.objects.get().school == world.school_a
    for data, field in (
        (whole_year(world, "school", school=world.school_b.pk), "school"),
        (whole_year(world, "school", school=world.upper_a.pk), "school"),
        (whole_year(world, "city"), "kind"),
        (whole_year(world, "area", unit=world.area_a.pk), "kind"),
    ):
        response = post_request(world.principal, data)
        assert response.status_code == 200, data
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert jobs_count() == 1
    with pytest.raises(ValidationError), committed():
        services.report_request(
            actor=world.principal,
            job=ReportJob(kind=DocumentKind.AREA, unit=world.area_a, school_year=world.year),
        )
    assert jobs_count() == 1


@pytest.mark.parametrize("role", ["staff", "parent", "inspector"])
def test_other_roles_may_not_ask_for_reports(world, queued_only, role):
    client = client_for(getattr(world, role))
    assert client.get(reverse("reports:job_list")).status_code == 403
    with committed():
        response = client.post(
            reverse("reports:job_list"), whole_year(world, "school", school=world.school_a.pk)
        )
    assert response.status_code == 403
    assert jobs_count() == 0


def test_someone_elses_job_is_not_found(world, fake_pdf):
    job = ask_in_browser(client_for(world.department), **whole_year(world))
    job.refresh_from_db()
    assert job.status == Status.DONE
    others = [client_for(u) for u in (_second_department_user(world), world.committee)]
    others.append(client_for(world.principal))
    for client in others:
        assert client.get(detail(job)).status_code == 404
        assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
        assert detail(job) not in client.get(reverse("reports:job_list")).text
    assert not AuditEvent.objects.filter(action="document_download").exists()
    ReportJob.objects.filter(pk=job.pk).update(status=Status.FAILED)
    for client in others:
        with committed():
            assert client.post(reverse("reports:job_retry", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.attempts == 1
    assert not AuditEvent.objects.filter(action="report_retry").exists()


# --- Conclusions ---------------------------------------------------------------------------


def post_conclusion(user, inspection):
    with committed():
        return client_for(user).post(reverse("reports:conclusion_pdf", args=[inspection.pk]))


def test_the_team_head_issues_the_conclusion_once_and_the_school_gets_the_same(world, fake_pdf):
    inspection = concluded(world)
    # Not yet issued: the school's head may not be the one to issue it.
    assert post_conclusion(world.principal, inspection).status_code == 403
    assert jobs_count() == 0

    response = post_conclusion(world.inspector, inspection)
    job = ReportJob.objects.get(requested_by=world.inspector)
    assert response.status_code == 302 and response.url == detail(job)
    assert job.status == Status.DONE
    document = job.document
    assert document.kind == DocumentKind.CONCLUSION
    assert document.reference == "01/KL-SGDĐT"
    assert document.issued_by == world.inspector

    # Now the head asks, and gets the very same document.
    response = post_conclusion(world.principal, inspection)
    head_job = ReportJob.objects.get(requested_by=world.principal)
    assert response.status_code == 302 and response.url == detail(head_job)
    assert head_job.status == Status.DONE
    assert head_job.document_id == document.pk
    # So does the Department, the inspection's authority, and the team head again.
    post_conclusion(world.department, inspection)
    post_conclusion(world.inspector, inspection)
    assert IssuedDocument.objects.count() == 1
    assert set(ReportJob.objects.values_list("document", flat=True)) == {document.pk}
    download = client_for(world.principal).get(reverse("reports:job_download", args=[head_job.pk]))
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == document.checksum


def test_the_authority_issues_the_conclusion(world, fake_pdf):
    inspection = concluded(world)
    assert post_conclusion(world.department, inspection).status_code == 302
    job = ReportJob.objects.get()
    assert job.status == Status.DONE
    # Issued on behalf of the team head who signed it, by the Department's clerk.
    assert job.document.reference == "01/KL-SGDĐT"
    assert job.document.issued_by == world.department


def test_an_unconcluded_inspection_has_no_official_pdf(world, fake_pdf):
    inspection = started(world)
    for user in (world.inspector, world.department, world.principal):
        assert post_conclusion(user, inspection).status_code == 403
    assert jobs_count() == 0
    with pytest.raises(PermissionDenied), committed():
        services.report_request(
            actor=world.inspector,
            job=ReportJob(kind=DocumentKind.CONCLUSION, inspection=inspection),
        )
    assert jobs_count() == 0


def test_an_inspection_outside_the_scope_is_not_found(world, fake_pdf):
    inspection = concluded(world)
    for user in (world.far_committee, world.far_principal, world.staff, world.parent):
        assert post_conclusion(user, inspection).status_code == 404, user
    # An unannounced inspection not yet started is hidden from the school.
    hidden = order(world)
    assert post_conclusion(world.principal, hidden).status_code == 404
    with committed():
        missing = client_for(world.inspector).post(reverse("reports:conclusion_pdf", args=[10**12]))
    assert missing.status_code == 404
    assert jobs_count() == 0
    assert (
        client_for(world.inspector)
        .get(reverse("reports:conclusion_pdf", args=[inspection.pk]))
        .status_code
        == 405
    )


# --- Numbering -----------------------------------------------------------------------------


def test_documents_are_numbered_in_sequence_for_each_issuer(world, fake_pdf):
    references = []
    for month in (10, 11, 12):
        job = request_report(
            world.department,
            kind=DocumentKind.CITY,
            school_year=world.year,
            date_from=world.year.start,
            date_to=world.year.start.replace(month=month, day=30),
        )
        references.append(job.document.reference)
    assert references == ["01/BC-SGDĐT", "02/BC-SGDĐT", "03/BC-SGDĐT"]
    # The same request again, once done, is a new document with the next number.
    again = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    assert again.document.reference == "04/BC-SGDĐT"

    area = request_report(
        world.committee, kind=DocumentKind.AREA, unit=world.area_a, school_year=world.year
    )
    assert area.document.number == 1 and area.document.reference == "01/BC-UBND"
    school = request_report(
        world.principal, kind=DocumentKind.SCHOOL, school=world.school_a, school_year=world.year
    )
    assert school.document.number == 1
    assert school.document.reference == f"01/BC-{abbreviation(world.school_a.name)}"
    # A conclusion counts apart from the reports.
    conclusion = issue_conclusion(world, concluded(world))
    assert conclusion.document.reference == "01/KL-SGDĐT"
    # The printed number is the stored one.
    with conclusion.document.file.open("rb") as f:
        assert b"01/KL-SGD" in f.read()
    assert len({d.code for d in IssuedDocument.objects.all()}) == IssuedDocument.objects.count()


# --- 7. Bad input on the request form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_from": "2027-03-01", "date_to": "2027-02-01"}, "date_to"),
        ({"date_from": "2026-08-01"}, "date_from"),
        ({"date_to": "2027-07-01"}, "date_to"),
        ({"kind": "area", "unit": ""}, "unit"),
        ({"kind": "school", "school": ""}, "school"),
        ({"kind": "area", "unit": "abc"}, "unit"),
        ({"kind": "area", "unit": "99999999999999999999"}, "unit"),
        ({"kind": "school", "school": "-1"}, "school"),
        ({"kind": "school", "school": "1e3"}, "school"),
        ({"school_year": "x"}, "school_year"),
        ({"school_year": ""}, "school_year"),
        ({"school_year": "99999999999999999999"}, "school_year"),
        ({"date_from": "31/02/2027"}, "date_from"),
        ({"date_to": "2027-13-01"}, "date_to"),
        ({"kind": "conclusion"}, "kind"),
        ({"kind": "nonsense"}, "kind"),
    ],
)
def test_bad_input_is_a_field_error(world, queued_only, change, field):
    response = post_request(world.department, {**whole_year(world), **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert jobs_count() == 0


def test_empty_dates_mean_the_whole_school_year(world, queued_only):
    """As the form's help texts say: an empty start is the year's start, an empty end its end."""
    year = world.year
    response = post_request(
        world.department, {"kind": "city", "school_year": year.pk, "date_from": "", "date_to": ""}
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    job = ReportJob.objects.get()
    assert (job.date_from, job.date_to) == (year.start, year.end)
    response = post_request(
        world.department,
        {"kind": "city", "school_year": year.pk, "date_from": "2027-01-01", "date_to": ""},
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    job = ReportJob.objects.latest("id")
    assert (job.date_from, job.date_to) == (datetime.date(2027, 1, 1), year.end)
