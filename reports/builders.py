"""What goes into each kind of document: its scope, figures, charts, title and recipients.

Every number printed comes from `reports.figures`; the templates only lay it out.
"""

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role
from inspections.models import Inspection
from schools import policy
from schools.models import School

from . import charts, documents, figures
from .models import DocumentKind, IssuedDocument, ReportJob

Progress = Callable[[int, str], None]


def _period(job: ReportJob) -> figures.Period:
    return figures.period_from(job.school_year, job.date_from, job.date_to)


def _schools(job: ReportJob):
    schools = policy.visible(job.requested_by, School)
    if job.kind == DocumentKind.AREA:
        schools = schools.filter(unit__path__startswith=job.unit.path)
    elif job.kind == DocumentKind.SCHOOL:
        schools = schools.filter(pk=job.school_id)
    return schools.filter(is_active=True)


def _charts(data: figures.Figures) -> dict:
    total = data.total
    return {
        "kinds": charts.bar_chart(
            [(k.label, k.programmes) for k in data.by_kind],
            title=_("Linked programmes by kind"),
        ),
        "fees": charts.histogram(
            [(figures.short_band_label(b), b.programmes) for b in data.fee_bands],
            title=_("Programmes by monthly fee (thousand ₫)"),
        ),
        "answers": charts.stacked_bar(
            [
                (_("given"), total.consents_given),
                (_("declined"), total.consents_declined),
                (_("withdrawn"), total.consents_withdrawn),
            ],
            title=_("Families' answers in the period"),
        ),
        "complaints": charts.bar_chart(
            [(c.label, c.open + c.closed) for c in data.complaints_by_category],
            title=_("Complaints by category"),
        ),
    }


def _report(job: ReportJob, progress: Progress) -> IssuedDocument:
    period = _period(job)
    with translation.override("vi"):
        progress(10, _("Counting"))
        data = figures.compute(
            _schools(job),
            period,
            per_school=job.kind != DocumentKind.SCHOOL,
            user=figures.limited_to(job.requested_by),
        )
        school = job.school if job.kind == DocumentKind.SCHOOL else None
        unit = job.unit if job.kind == DocumentKind.AREA else None
        issuer = documents.issuer_for(job.requested_by, school=school, unit=unit)
        if job.kind == DocumentKind.CITY:
            subject = issuer.place
            recipients = [
                _("The People's Committee of the city (to report)"),
                _("The Department's inspectorate"),
                _("The People's Committees of the wards and communes"),
            ]
        elif unit is not None:
            subject = unit.name
            recipients = [
                _("The Department of Education and Training (to report)"),
                _("The schools of the area"),
            ]
        else:
            subject = school.name
            recipients = [_("The managing authority (to report)"), _("The school's board")]
        title = _("Report on extra tutoring and linked programmes: %(subject)s") % {
            "subject": subject
        }
        progress(30, _("Drawing the charts"))
        context = {
            "job": job,
            "figures": data,
            "charts": _charts(data),
            "subject": subject,
            "school": school,
            "unit": unit,
            "period": period,
            "recipients": recipients,
            "sign_authority": issuer.sign_authority,
            "sign_title": issuer.sign_title,
            "signer": job.requested_by.get_full_name(),
            # Complaints about a school are its authority's: a head's report has none.
            "show_complaints": job.requested_by.role != Role.PRINCIPAL,
        }
        progress(40, _("Laying out the pages"))
        return documents.issue(
            kind=job.kind,
            template="reports/pdf/report.html",
            context=context,
            issuer=issuer,
            prefix="BC",
            title=title,
            user=job.requested_by,
        )


def conclusion_context(inspection: Inspection) -> dict:
    """What the conclusion shows, for its print view and its PDF."""
    return {
        "inspection": inspection,
        "findings": inspection.findings.select_related("activity")
        .prefetch_related("actions")
        .order_by("id"),
        "team": inspection.team.select_related("user").order_by("-is_lead", "id"),
        "suspensions": inspection.suspensions.select_related("event__activity").order_by("id"),
        "place": documents.place_name(documents.province_of(inspection.school.unit)),
        "recipients": [inspection.school.name, inspection.get_authority_display()],
        "sign_authority": "",
        "sign_title": _("HEAD OF THE INSPECTION TEAM"),
        "signer": inspection.signed_by.get_full_name() if inspection.signed_by else "",
    }


def _conclusion(job: ReportJob, progress: Progress) -> IssuedDocument:
    inspection = job.inspection
    existing = (
        IssuedDocument.objects.filter(jobs__inspection=inspection, kind=job.kind).distinct().first()
    )
    if existing is not None:
        # A conclusion is issued once; asking again gives the same document.
        return existing
    with translation.override("vi"):
        progress(20, _("Laying out the pages"))
        issuer = documents.issuer_for(inspection.signed_by, school=inspection.school)
        return documents.issue(
            kind=job.kind,
            template="reports/pdf/conclusion.html",
            context=conclusion_context(inspection),
            issuer=issuer,
            prefix="KL",
            title=_("Conclusion of the inspection %(code)s at %(school)s")
            % {"code": inspection.code, "school": inspection.school.name},
            user=job.requested_by,
        )


BUILDERS = {
    DocumentKind.CITY: _report,
    DocumentKind.AREA: _report,
    DocumentKind.SCHOOL: _report,
    DocumentKind.CONCLUSION: _conclusion,
}


def build(job: ReportJob, progress: Progress) -> IssuedDocument:
    return BUILDERS[job.kind](job, progress)
