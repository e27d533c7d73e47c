"""Write operations on the partner registry and on linked programmes: one function per user
action, each atomic, each checking the policy and the rules, each recording who did what."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.models import Role
from schools import consent, mail, notices, policy
from schools.checks import RuleViolations
from schools.models import Activity, ActivityEvent, Enrollment, Guardian, Student
from schools.uploads import validate_scan

from . import rules
from .models import (
    Licence,
    Partner,
    PartnerDocument,
    PartnerEvent,
    Programme,
    ProgrammeDocument,
    ProgrammeKind,
)

Status = Activity.Status


def _require(actor, action, obj=None):
    if not policy.can(actor, action, obj):
        raise PermissionDenied(action)


# --- The partner registry -------------------------------------------------------------


@transaction.atomic
def partner_save(*, actor, partner: Partner) -> Partner:
    """Register a partner, or save changes to one. Its status changes only through
    ``partner_set_status``, which records why."""
    _require(actor, "partner.manage")
    creating = partner.pk is None
    if creating:
        partner.status = Partner.Status.ACTIVE
        partner.created_by = actor
    else:
        # Locked: a status change at the same moment must not be written back over.
        partner.status = Partner.objects.select_for_update().get(pk=partner.pk).status
    partner.tax_code = partner.tax_code.strip()
    partner.full_clean()
    partner.save()
    if creating:
        PartnerEvent.objects.create(partner=partner, actor=actor, to_status=partner.status)
    else:
        # The provider's name is part of what families agreed to: a programme whose terms
        # now read differently asks them again.
        for programme in partner.programmes.exclude(
            status__in=[Status.CLOSED, Status.REFUSED]
        ).select_related("partner"):
            previous_hash = programme.terms_hash
            programme.partner = partner
            programme.terms_hash = programme.compute_terms_hash()
            if programme.terms_hash != previous_hash:
                Programme.objects.filter(pk=programme.pk).update(terms_hash=programme.terms_hash)
                consent.terms_changed(activity=programme, previous_hash=previous_hash)
    audit_record(
        actor=actor,
        action="partner_register" if creating else "partner_edit",
        obj=partner,
        summary=f"{partner.legal_name} ({partner.tax_code})",
    )
    return partner


@transaction.atomic
def partner_set_status(*, actor, partner: Partner, status: str, reason: str, reference=""):
    """Suspend, bar or reinstate a partner, with the reason. Its live programmes are
    checked again at once: a suspended or barred partner's programme breaks rule P2."""
    _require(actor, "partner.manage")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if status not in Partner.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == partner.status:
        raise ValidationError(
            {
                "status": _("The partner is already %(status)s.")
                % {"status": partner.get_status_display().lower()}
            }
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    previous = partner.status
    partner.status = status
    partner.save(update_fields=["status", "updated_at"])
    PartnerEvent.objects.create(
        partner=partner,
        actor=actor,
        from_status=previous,
        to_status=status,
        reason=reason,
        reference=reference.strip(),
    )
    audit_record(
        actor=actor,
        action=f"partner_{status}",
        obj=partner,
        summary=f"{partner.legal_name}: {previous} → {status}",
        reason=reason,
    )
    if status != Partner.Status.ACTIVE:
        # Families stop being asked at once: each approved programme of the partner is
        # suspended by the same decision, and its families told. Reinstating the partner
        # resumes nothing: the authority of each school decides.
        in_scope = policy.visible(actor, Programme).filter(partner=partner)
        for programme in in_scope.filter(status=Status.APPROVED):
            programme_transition(
                actor=actor,
                programme=programme,
                name="suspend",
                reason=_("The partner %(partner)s is %(status)s: %(reason)s")
                % {
                    "partner": partner.legal_name,
                    "status": partner.get_status_display().lower(),
                    "reason": reason,
                },
                reference=reference,
            )
    for programme in partner.programmes.filter(status__in=rules.LIVE_STATUSES):
        rules.recheck(programme)
    return partner


@transaction.atomic
def licence_add(*, actor, licence: Licence, document=None) -> Licence:
    """Record a partner's licence, with the scan of it if given."""
    _require(actor, "partner.manage")
    kinds = [k for k in licence.kinds if k in ProgrammeKind.values]
    if not kinds:
        raise ValidationError({"kinds": _("Choose the kinds of programme the licence covers.")})
    licence.kinds = kinds
    licence.recorded_by = actor
    if licence.valid_to and licence.valid_to < licence.valid_from:
        raise ValidationError({"valid_to": _("The licence ends before it starts.")})
    licence.full_clean()
    licence.save()
    if document:
        partner_document_add(
            actor=actor,
            partner=licence.partner,
            kind=PartnerDocument.Kind.LICENCE,
            title=_("Licence %(number)s") % {"number": licence.number},
            file=document,
        )
    audit_record(
        actor=actor,
        action="licence_add",
        obj=licence.partner,
        summary=f"{licence.number} ({licence.issuer})",
        kinds=kinds,
    )
    for programme in licence.partner.programmes.filter(status__in=rules.LIVE_STATUSES):
        rules.recheck(programme)
    return licence


@transaction.atomic
def partner_document_add(*, actor, partner: Partner, kind: str, title: str, file):
    _require(actor, "partner.manage")
    validate_scan(file)
    document = PartnerDocument(
        partner=partner, kind=kind, title=title.strip(), file=file, uploaded_by=actor
    )
    document.full_clean()
    document.save()
    audit_record(actor=actor, action="partner_document_add", obj=partner, summary=document.title)
    return document


# --- Linked programmes ----------------------------------------------------------------

PROGRAMME_FIELDS = (
    "partner",
    "programme_kind",
    "title",
    "content_summary",
    "grade_min",
    "grade_max",
    "capacity",
    "monthly_fee",
    "start_date",
    "end_date",
    "school_year",
)


@transaction.atomic
def programme_save(*, actor, programme: Programme, slots, teachers, documents=()):
    """The head creates a programme as a draft, or saves changes to a draft or returned
    one, with its weekly slots, its teachers and any new documents (kind, title, file).
    Nothing is saved while any rule is broken."""
    creating = programme.pk is None
    if creating:
        _require(actor, "programme.propose", programme.school)
        p = programme
    else:
        p = Programme.objects.select_for_update().get(pk=programme.pk)
        _require(actor, "programme.edit", p)
        for name in PROGRAMME_FIELDS:
            setattr(p, name, getattr(programme, name))
    for _kind, _title, file in documents:
        validate_scan(file)
    violations = rules.check_programme(p, slots, teachers)
    if violations:
        raise RuleViolations(violations)
    if creating:
        p.created_by = actor
        p.status = Status.DRAFT
    p.weekly_periods = max(1, sum(slot.periods for slot in slots))
    p.full_clean(exclude=["terms_hash", "kind"])
    p.save()
    p.slots.all().delete()
    for slot in slots:
        slot.pk = None
        slot.activity = p
        slot.save()
    p.teachers.all().delete()
    for teacher in teachers:
        teacher.pk = None
        teacher.programme = p
        teacher.full_clean(exclude=["programme"])
        teacher.save()
    for kind, title, file in documents:
        ProgrammeDocument.objects.create(
            programme=p, kind=kind, title=title, file=file, uploaded_by=actor
        )
    previous_hash = p.terms_hash
    p.terms_hash = p.compute_terms_hash()
    p.save(update_fields=["terms_hash", "updated_at"])
    # A material change asks the families who agreed to the old terms again.
    consent.terms_changed(activity=p, previous_hash=previous_hash)
    if creating:
        _record(actor, p, "", Status.DRAFT)
    else:
        audit_record(actor=actor, action="programme_edit", obj=p, summary=p.title)
    rules.recheck(p)
    return p


def _record(actor, programme, from_status, to_status, reason="", reference=""):
    ActivityEvent.objects.create(
        activity=programme,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        reference=reference,
    )
    audit_record(
        actor=actor,
        action=f"programme_{to_status}",
        obj=programme,
        summary=f"{programme.title}: {from_status or '-'} → {to_status}",
        reason=reason,
        reference=reference,
    )


# Each transition: the statuses it leaves from, the status it reaches, the policy action
# the actor needs, whether a reason is required, whether a reference (decision number or
# inspection) is required.
TRANSITIONS = {
    "submit": ({Status.DRAFT, Status.RETURNED}, Status.SUBMITTED, "programme.edit", False, False),
    "approve": ({Status.SUBMITTED}, Status.APPROVED, "programme.decide", False, True),
    "return": ({Status.SUBMITTED}, Status.RETURNED, "programme.decide", True, False),
    "refuse": ({Status.SUBMITTED}, Status.REFUSED, "programme.decide", True, False),
    "suspend": ({Status.APPROVED}, Status.SUSPENDED, "activity.suspend", True, False),
    "resume": ({Status.SUSPENDED}, Status.APPROVED, "activity.suspend", True, False),
    "terminate": (
        {Status.APPROVED, Status.SUSPENDED},
        Status.CLOSED,
        "activity.suspend",
        True,
        False,
    ),
}

BUTTON_LABELS = {
    "submit": gettext_lazy("Submit for approval"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return for changes"),
    "refuse": gettext_lazy("Refuse"),
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume"),
    "terminate": gettext_lazy("Terminate"),
}

TRANSITION_LABELS = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
    "refuse": gettext_lazy("refused"),
    "suspend": gettext_lazy("suspended"),
    "resume": gettext_lazy("resumed"),
    "terminate": gettext_lazy("terminated"),
}


def may(actor, name, programme) -> bool:
    """May ``actor`` take the action ``name`` on the programme as it stands?"""
    sources, _target, action, _reason, _reference = TRANSITIONS[name]
    return (
        programme.status in sources
        and policy.can(actor, action, programme)
        and not _suspended_by_higher_authority(actor, name, programme)
    )


def _suspended_by_higher_authority(actor, name, programme) -> bool:
    """A suspension the Department decided is lifted (resumed, or ended) only by the
    Department, never by the committee below it."""
    if name not in ("resume", "terminate") or programme.status != Status.SUSPENDED:
        return False
    if actor.is_superuser or actor.role == Role.DEPARTMENT:
        return False
    suspension = programme.events.filter(to_status=Status.SUSPENDED).select_related("actor").last()
    decider = suspension.actor if suspension else None
    return decider is not None and (decider.is_superuser or decider.role == Role.DEPARTMENT)


@transaction.atomic
def programme_transition(*, actor, programme: Programme, name: str, reason="", reference=""):
    """Take the programme through one step of its life (see ``TRANSITIONS``)."""
    if name not in TRANSITIONS:
        raise ValidationError(_("Unknown action."))
    sources, target, action, needs_reason, needs_reference = TRANSITIONS[name]
    if target in (Status.SUBMITTED, Status.APPROVED):
        # The partner's row first, then the programme's (the order of partner_set_status
        # and partner_save): a suspension of the partner waits for this decision to commit
        # and then suspends the programme approved, or this decision waits for it and finds
        # the partner suspended (rule P2). Never approved with a suspended partner.
        partner = Programme.objects.filter(pk=programme.pk).values_list("partner_id")
        list(Partner.objects.select_for_update(no_key=True).filter(pk__in=partner))
    p = Programme.objects.select_for_update().select_related("school").get(pk=programme.pk)
    _require(actor, action, p)
    if p.status not in sources:
        raise ValidationError(
            _("A programme that is '%(status)s' cannot be %(action)s.")
            % {"status": p.get_status_display(), "action": TRANSITION_LABELS[name]}
        )
    if _suspended_by_higher_authority(actor, name, p):
        raise PermissionDenied("suspended by the Department")
    reason, reference = reason.strip(), reference.strip()
    errors = {}
    if needs_reason and not reason:
        errors["reason"] = _("Give the reason.")
    if needs_reference and not reference:
        errors["reference"] = _("Give the number of the approval decision.")
    if errors:
        raise ValidationError(errors)
    if target in (Status.SUBMITTED, Status.APPROVED):
        # The partner's licence may have lapsed, a permit expired, the timetable changed.
        violations = rules.check_programme(p, list(p.slots.all()), list(p.teachers.all()))
        if name == "submit":
            violations += rules.check_documents(p)
        if violations:
            raise RuleViolations(violations)
    previous = p.status
    p.status = target
    fields = ["status", "updated_at"]
    if name == "approve":
        p.approval_reference = reference
        fields.append("approval_reference")
    p.save(update_fields=fields)
    _record(actor, p, previous, target, reason, reference)
    rules.recheck(p)
    if name in ("suspend", "terminate"):
        _notify_families(p, name, reason)
    if name == "approve":
        # Offered now to every family of the grades it is for.
        notices.offered(p)
    if name == "resume":
        consent.fill_places(p)
    return p


def _notify_families(programme, name, reason):
    """Tell the parents of the children on the roster, once the change is committed, at
    the e-mail address the school has or the one of their account; count those who have
    none, for the school to call."""
    guardians = (
        Guardian.objects.filter(
            students__enrollments__activity=programme,
            students__enrollments__status=Enrollment.Status.ENROLLED,
        )
        .select_related("user")
        .distinct()
    )
    addresses = {g.pk: g.contact_email for g in guardians}
    recipients = sorted({address for address in addresses.values() if address})
    unreached = sum(1 for address in addresses.values() if not address)
    audit_record(
        actor=None,
        action="programme_families_notified",
        obj=programme,
        summary=f"{programme.title}: {len(recipients)} e-mail, {unreached} without",
        reached=len(recipients),
        unreached=unreached,
    )
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = (
            _("The programme '%(title)s' is suspended")
            if name == "suspend"
            else _("The programme '%(title)s' has ended")
        ) % {"title": programme.title}
        body = _(
            "%(school)s: the linked programme '%(title)s' is %(status)s by the decision of "
            "the managing authority.\nReason: %(reason)s\n\nNo new registration is accepted "
            "meanwhile. You may withdraw your consent at any time, without consequence."
        ) % {
            "school": programme.school.name,
            "title": programme.title,
            "status": programme.get_status_display().lower(),
            "reason": reason,
        }
    # After the commit the decision stands whatever the mail server does.
    mail.send_after_commit((subject, body, address) for address in recipients)


@transaction.atomic
def programme_document_add(*, actor, programme: Programme, kind: str, title: str, file):
    p = Programme.objects.select_for_update().get(pk=programme.pk)
    _require(actor, "programme.edit", p)
    validate_scan(file)
    document = ProgrammeDocument(
        programme=p, kind=kind, title=title.strip(), file=file, uploaded_by=actor
    )
    document.full_clean()
    document.save()
    audit_record(actor=actor, action="programme_document_add", obj=p, summary=document.title)
    return document


@transaction.atomic
def programme_enrollment_propose(*, actor, programme: Programme, student: Student):
    """Put a student forward for an approved programme; they join the roster when a
    parent agrees. Joining is voluntary: no basis is asked for."""
    p = Programme.objects.select_for_update().get(pk=programme.pk)
    _require(actor, "activity.manage_roster", p)
    if not policy.visible(actor, Student).filter(pk=student.pk, school=p.school_id).exists():
        raise PermissionDenied("student")
    if student.status != Student.Status.STUDYING:
        raise ValidationError(
            {
                "student": _("%(name)s is not studying at the school now.")
                % {"name": student.full_name}
            }
        )
    if not p.accepts_consent():
        raise ValidationError(
            _("'%(title)s' is %(status)s: no student can be added now.")
            % {"title": p.title, "status": p.get_status_display().lower()}
        )
    if not p.grade_min <= student.grade <= p.grade_max:
        raise ValidationError(
            {
                "student": _("The programme is for grades %(min)s to %(max)s.")
                % {"min": p.grade_min, "max": p.grade_max}
            }
        )
    enrollment, created = Enrollment.objects.get_or_create(
        activity=p,
        student=student,
        defaults={"basis": Enrollment.Basis.VOLUNTARY, "proposed_by": actor},
    )
    if not created:
        raise ValidationError(
            {
                "student": _("%(name)s is already on the list of this programme.")
                % {"name": student.full_name}
            }
        )
    audit_record(
        actor=actor,
        action="enrollment_propose",
        obj=enrollment,
        summary=f"{student.national_id} → {p.title}",
    )
    return enrollment
