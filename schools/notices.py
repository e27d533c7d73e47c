"""Telling families that an activity is offered to their child: an e-mail after the
commit, with their personal link, to each guardian the school has an address for. In the
portal, the parent's home lists the same offers as waiting for an answer."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record

from . import mail
from .models import Activity, Guardianship, Student
from .parent_views import link_for


def offered(activity: Activity, students=None) -> int:
    """Tell the families of ``students`` (by default every studying student of the grades a
    linked programme is for) that ``activity`` is offered to their child. Returns how many
    e-mails will be sent."""
    if students is None:
        students = Student.objects.filter(
            school=activity.school_id,
            status=Student.Status.STUDYING,
            grade__gte=activity.grade_min,
            grade__lte=activity.grade_max,
        )
    links = Guardianship.objects.filter(student__in=students).select_related(
        "student", "guardian__user"
    )
    mails = []
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Offered to your child: '%(title)s'") % {"title": activity.title}
        for link in links:
            guardian = link.guardian
            address = guardian.contact_email
            if not address:
                continue
            body = _(
                "%(school)s offers '%(title)s' to %(name)s (monthly fee: %(fee)s). Taking part "
                "is voluntary: agree or decline, without any consequence for your child, at "
                "%(url)s"
            ) % {
                "school": activity.school.name,
                "title": activity.title,
                "name": link.student.full_name,
                "fee": f"{activity.monthly_fee:,} ₫".replace(",", ".")
                if activity.monthly_fee
                else _("free"),
                "url": settings.SITE_URL.rstrip("/") + link_for(guardian, link.student),
            }
            mails.append((subject, body, address))
    audit_record(
        actor=None,
        action="activity_offered_notice",
        obj=activity,
        summary=f"{activity.title}: {len(mails)} e-mails",
    )
    return mail.send_after_commit(mails)
