"""What goes into each kind of document: its scope, figures, charts, addressee, recipients
and signature.

Every number printed comes from `reports.figures`; the templates only lay it out. A document
is read beyond the authority that issues it (by the schools and committees it names), so it
never announces an unannounced inspection, and complaints appear only in the city's report,
in totals: a school must not learn that it was complained about, nor by whom.
"""

from collections.abc import Callable

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inspections.models import Inspection
from schools import policy
from schools.models import School

from . import charts, documents, figures
from .documents import IssuerKind
from .models import DocumentKind, IssuedDocument, ReportJob

Progress = Callable[[int, str], None]


def _period(job: ReportJob) -> figures.Period:
    return figures.period_from(job.school_year, job.date_from, job.date_to)


def _schools(job: ReportJob):
    schools = policy.visible(job.requested_by, School)
    if job.kind == DocumentKind.AREA:
        schools = figures.in_area(schools, job.unit)
    elif job.kind == DocumentKind.SCHOOL:
        schools = schools.filter(pk=job.school_id)
    return schools.filter(is_active=True)


def _recipients(job: ReportJob, issuer: documents.Issuer) -> list[str]:
    """Who receives the report besides its addressee ("Lưu: VT." is added by the layout)."""
    recipients = [_("%(superior)s (to report)") % {"superior": issuer.superior}]
    if issuer.kind == IssuerKind.DEPARTMENT:
        recipients.append(_("The Department's inspectorate"))
        if job.kind == DocumentKind.CITY:
            recipients.append(_("The People's Committees of the wards and communes"))
    if job.kind == DocumentKind.AREA and issuer.kind == IssuerKind.DEPARTMENT:
        recipients.append(
            _("People's Committee of %(unit)s") % {"unit": documents.in_text(job.unit)}
        )
    if job.kind == DocumentKind.AREA:
        recipients.append(_("The schools of the area"))
    if job.kind == DocumentKind.SCHOOL and issuer.kind != IssuerKind.SCHOOL:
        recipients.append(job.school.name)
    return recipients


def _report(job: ReportJob, progress: Progress) -> IssuedDocument:
    period = _period(job)
    user = job.requested_by
    with translation.override("vi"):
        progress(10, _("Counting"))
        data = figures.compute(
            _schools(job),
            period,
            per_school=job.kind != DocumentKind.SCHOOL,
            user=figures.limited_to(user),
            published=True,
        )
        school = job.school if job.kind == DocumentKind.SCHOOL else None
        unit = job.unit if job.kind == DocumentKind.AREA else None
        issuer = documents.issuer_for(user, school=school, unit=unit)
        if job.kind == DocumentKind.CITY:
            subject = issuer.place  # the Department's city
        elif unit is not None:
            subject = unit.name
        else:
            subject = school.name
        title = _("Report on extra tutoring and linked programmes: %(subject)s") % {
            "subject": subject
        }
        progress(30, _("Drawing the charts"))
        context = {
            "job": job,
            "figures": data,
            "charts": charts.for_figures(data),
            "subject": subject,
            "school": school,
            "unit": unit,
            "period": period,
            "recipients": _recipients(job, issuer),
            "signature": issuer.signature(user),
            "signer": user.get_full_name(),
            "show_complaints": job.kind == DocumentKind.CITY,
        }
        progress(40, _("Laying out the pages"))
        return documents.issue(
            kind=job.kind,
            template="reports/pdf/report.html",
            context=context,
            issuer=issuer,
            prefix="BC",
            title=title,
            user=user,
        )


def conclusion_context(inspection: Inspection, issuer: documents.Issuer) -> dict:
    """What the conclusion shows in its PDF."""
    school = inspection.school
    recipients = [school.name]
    if issuer.title != documents.managing_authority(school):
        recipients.append(documents.managing_authority(school))
    return {
        "inspection": inspection,
        "findings": inspection.findings.select_related("activity")
        .prefetch_related("actions")
        .order_by("id"),
        "team": inspection.team.select_related("user").order_by("-is_lead", "id"),
        "suspensions": inspection.suspensions.select_related("event__activity").order_by("id"),
        "recipients": recipients,
        "signature": [_("HEAD OF THE INSPECTION TEAM")],
        "signer": inspection.signed_by.get_full_name() if inspection.signed_by else "",
    }


def _conclusion(job: ReportJob, progress: Progress) -> IssuedDocument:
    inspection = job.inspection
    existing = IssuedDocument.objects.filter(inspection=inspection).first()
    if existing is not None:
        # A conclusion is issued once; asking again gives the same document.
        return existing
    with translation.override("vi"):
        progress(20, _("Laying out the pages"))
        issuer = documents.issuer_for(inspection.signed_by, school=inspection.school)
        return documents.issue(
            kind=job.kind,
            template="reports/pdf/conclusion.html",
            context=conclusion_context(inspection, issuer),
            issuer=issuer,
            prefix="KL",
            title=_("Conclusion of the inspection %(code)s at %(school)s")
            % {"code": inspection.code, "school": inspection.school.name},
            user=job.requested_by,
            dated=timezone.localdate(inspection.concluded_at),
            inspection=inspection,
        )


BUILDERS = {
    DocumentKind.CITY: _report,
    DocumentKind.AREA: _report,
    DocumentKind.SCHOOL: _report,
    DocumentKind.CONCLUSION: _conclusion,
}


def build(job: ReportJob, progress: Progress) -> IssuedDocument:
    return BUILDERS[job.kind](job, progress)
