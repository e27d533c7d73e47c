"""Report requests: ask for a report, follow its progress, download it, retry a failure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from inspections.models import Inspection
from schools import policy

from . import services
from .job_forms import ReportRequestForm
from .models import DocumentKind, ReportJob

Status = ReportJob.Status


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def job_list(request):
    """The user's reports, newest first, and the form to ask for another."""
    if not policy.can(request.user, "report.request"):
        raise PermissionDenied
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.report_request(actor=request.user, job=form.instance)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("reports:job_detail", job.pk)
    services.fail_stale(policy.visible(request.user, ReportJob))
    jobs = (
        policy.visible(request.user, ReportJob)
        .select_related("unit", "school", "inspection__school", "school_year", "document")
        .order_by("-requested_at", "-id")
    )
    return render(
        request,
        "reports/job_list.html",
        {"form": form, "page": Paginator(jobs, 20).get_page(request.GET.get("page"))},
    )


def _job(request, pk) -> ReportJob:
    services.fail_stale(policy.visible(request.user, ReportJob).filter(pk=pk))
    return policy.get_object_or_404(
        request.user,
        ReportJob,
        select_related=("unit", "school", "inspection__school", "school_year", "document"),
        pk=pk,
    )


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    template = "reports/_job_status.html" if request.htmx else "reports/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk):
    job = _job(request, pk)
    if job.status != Status.DONE:
        raise Http404
    document = job.document
    audit_record(
        actor=request.user, action="document_download", obj=document, summary=document.reference
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.number}-{document.year}-{job.kind}-{document.code}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def job_retry(request, pk):
    job = _job(request, pk)
    try:
        services.report_retry(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("reports:job_detail", job.pk)


@login_required
@require_POST
def conclusion_pdf(request, pk):
    """The official PDF of a concluded inspection: issued once, then the same document."""
    inspection = policy.get_object_or_404(request.user, Inspection, pk=pk)
    if not policy.can(request.user, "inspection.official_pdf", inspection):
        raise PermissionDenied
    job = services.report_request(
        actor=request.user,
        job=ReportJob(kind=DocumentKind.CONCLUSION, inspection=inspection),
    )
    job.refresh_from_db()  # the in-process backend may have made it already
    if job.status == Status.DONE:
        messages.success(request, _("The official PDF of the conclusion is ready."))
    return redirect("reports:job_detail", job.pk)
