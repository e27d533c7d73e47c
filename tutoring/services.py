"""Write operations on tutoring classes: one function per user action, each atomic, each
checking the policy and the rules, each recording who did what."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from schools import consent, notices, policy
from schools.checks import RuleViolations
from schools.models import Activity, ActivityEvent, Enrollment, Student
from schools.signals import public_data_changed

from . import rules
from .models import OutsideTutoringDeclaration, TutoringClass

Status = Activity.Status


def _require(actor, action, obj):
    if not policy.can(actor, action, obj):
        raise PermissionDenied(action)


def _record(actor, activity, from_status, to_status, reason="", reference=""):
    ActivityEvent.objects.create(
        activity=activity,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        reference=reference,
    )
    audit_record(
        actor=actor,
        action=f"tutoring_class_{to_status}",
        obj=activity,
        summary=f"{activity.title}: {from_status or '-'} → {to_status}",
        reason=reason,
    )


@transaction.atomic
def tutoring_class_save(*, actor, tutoring_class: TutoringClass, slots, teachers):
    """Create a class as a draft, or save changes to a draft or returned one. Nothing is
    saved while any rule is broken."""
    tc = tutoring_class
    creating = tc.pk is None
    if creating:
        _require(actor, "activity.propose", tc.school)
    else:
        tc = TutoringClass.objects.select_for_update().get(pk=tc.pk)
        _require(actor, "activity.edit", tc)
        # Take the edited values over the locked row.
        for field in (
            "title",
            "subject",
            "grade",
            "category",
            "capacity",
            "monthly_fee",
            "start_date",
            "end_date",
            "school_year",
        ):
            setattr(tc, field, getattr(tutoring_class, field))
    violations = rules.check_class(tc, slots, teachers)
    if violations:
        raise RuleViolations(violations)
    if creating:
        tc.created_by = actor
        tc.status = Status.DRAFT
    tc.full_clean(exclude=["terms_hash", "kind", "grade_min", "grade_max"])
    tc.save()
    tc.slots.all().delete()
    for slot in slots:
        slot.pk = None
        slot.activity = tc
        slot.save()
    tc.teachers.set(teachers)
    previous_hash = tc.terms_hash
    tc.terms_hash = tc.compute_terms_hash()
    tc.save(update_fields=["terms_hash", "updated_at"])
    # A material change asks the families who agreed to the old terms again.
    consent.terms_changed(activity=tc, previous_hash=previous_hash)
    if creating:
        _record(actor, tc, "", Status.DRAFT)
    else:
        audit_record(actor=actor, action="tutoring_class_edit", obj=tc, summary=tc.title)
    rules.recheck(tc)
    return tc


# Each transition: the statuses it leaves from, the status it reaches, the policy action
# the actor needs, and whether a reason is required.
TRANSITIONS = {
    "submit": ({Status.DRAFT, Status.RETURNED}, Status.SUBMITTED, "activity.edit", False),
    "approve": ({Status.SUBMITTED}, Status.APPROVED, "tutoring.approve", False),
    "return": ({Status.SUBMITTED}, Status.RETURNED, "tutoring.approve", True),
    "open": ({Status.APPROVED}, Status.OPEN, "tutoring.approve", False),
    "close": ({Status.APPROVED, Status.OPEN}, Status.CLOSED, "tutoring.approve", False),
    "suspend": ({Status.APPROVED, Status.OPEN}, Status.SUSPENDED, "activity.suspend", True),
    "resume": ({Status.SUSPENDED}, Status.OPEN, "activity.suspend", False),
    "close_suspended": ({Status.SUSPENDED}, Status.CLOSED, "activity.suspend", True),
}


def transition_rule(name, status):
    """The (sources, target, action, needs_reason) of the user's action ``name`` on a class
    in ``status``: closing a suspended class is the authority's decision, not the head's."""
    if name == "close" and status == Status.SUSPENDED:
        name = "close_suspended"
    return TRANSITIONS[name]


def _transition(actor, tutoring_class, name, reason="", reference=""):
    tc = TutoringClass.objects.select_for_update().get(pk=tutoring_class.pk)
    sources, target, action, needs_reason = transition_rule(name, tc.status)
    _require(actor, action, tc)
    if tc.status not in sources:
        raise ValidationError(
            _("A class that is '%(status)s' cannot be %(action)s.")
            % {"status": tc.get_status_display(), "action": TRANSITION_LABELS[name]}
        )
    reason = reason.strip()
    if needs_reason and not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if target in (Status.SUBMITTED, Status.APPROVED, Status.OPEN):
        # The rules may have changed, or another class taken the teacher's time.
        violations = rules.check_class(tc, list(tc.slots.all()), list(tc.teachers.all()))
        if violations:
            raise RuleViolations(violations)
    previous = tc.status
    tc.status = target
    tc.save(update_fields=["status", "updated_at"])
    _record(actor, tc, previous, target, reason, reference)
    rules.recheck(tc)
    if name == "approve":
        # Now offered to the families of the students proposed while it was prepared.
        proposed = tc.enrollments.filter(status=Enrollment.Status.PROPOSED)
        notices.offered(tc, Student.objects.filter(enrollments__in=proposed))
    if name == "resume":
        consent.fill_places(tc)
    return tc


TRANSITION_LABELS = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
    "open": gettext_lazy("opened"),
    "close": gettext_lazy("closed"),
    "suspend": gettext_lazy("suspended"),
    "resume": gettext_lazy("resumed"),
}


BUTTON_LABELS = {
    "submit": gettext_lazy("Submit to the head"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return for changes"),
    "open": gettext_lazy("Open the class"),
    "suspend": gettext_lazy("Suspend"),
    "resume": gettext_lazy("Resume"),
    "close": gettext_lazy("Close"),
}


@transaction.atomic
def tutoring_class_submit(*, actor, tutoring_class):
    return _transition(actor, tutoring_class, "submit")


@transaction.atomic
def tutoring_class_approve(*, actor, tutoring_class):
    return _transition(actor, tutoring_class, "approve")


@transaction.atomic
def tutoring_class_return(*, actor, tutoring_class, reason):
    return _transition(actor, tutoring_class, "return", reason)


@transaction.atomic
def tutoring_class_open(*, actor, tutoring_class):
    return _transition(actor, tutoring_class, "open")


@transaction.atomic
def tutoring_class_close(*, actor, tutoring_class, reason=""):
    return _transition(actor, tutoring_class, "close", reason)


@transaction.atomic
def tutoring_class_suspend(*, actor, tutoring_class, reason, reference=""):
    return _transition(actor, tutoring_class, "suspend", reason, reference)


@transaction.atomic
def tutoring_class_resume(*, actor, tutoring_class, reason=""):
    return _transition(actor, tutoring_class, "resume", reason)


@transaction.atomic
def enrollment_propose(*, actor, tutoring_class, student, basis, basis_note=""):
    """Propose a student for the roster, with the basis of their eligibility. The student
    joins the roster when a parent's consent is recorded."""
    tc = TutoringClass.objects.select_for_update().get(pk=tutoring_class.pk)
    _require(actor, "activity.manage_roster", tc)
    if not policy.visible(actor, type(student)).filter(pk=student.pk).exists():
        raise PermissionDenied("student")
    if tc.status in (Status.CLOSED, Status.SUSPENDED, Status.REFUSED):
        raise ValidationError(_("No student can be added to a closed or suspended class."))
    violations = rules.check_enrollment(tc, student, basis)
    if violations:
        raise RuleViolations(violations)
    enrollment, created = Enrollment.objects.get_or_create(
        activity=tc,
        student=student,
        defaults={"basis": basis, "basis_note": basis_note, "proposed_by": actor},
    )
    if not created:
        raise ValidationError(
            _("%(name)s is already proposed for this class.") % {"name": student.full_name}
        )
    audit_record(
        actor=actor,
        action="enrollment_propose",
        obj=enrollment,
        summary=f"{student.national_id} → {tc.title}",
    )
    if tc.accepts_consent():
        notices.offered(tc, [student])
    return enrollment


Declaration = OutsideTutoringDeclaration


def _declaration_flags(declaration):
    try:
        return [v.rule for v in rules.check_declaration(declaration)]
    except rules.NoRulePolicy:
        return []


@transaction.atomic
def declaration_submit(*, actor, declaration: OutsideTutoringDeclaration, students):
    """A teacher (or principal) declares their own outside tutoring to the head (form 03).

    The rules' flags never block it: a declaration that shows a teacher tutoring their own
    students is exactly what the head must see. It supersedes the version it ``replaces``
    and any current one of the same teacher, year and establishment; a list the head has
    published stays published with the new version."""
    _require(actor, "declaration.submit", declaration)
    teacher = declaration.teacher
    students = list(students)
    strangers = [s.full_name for s in students if s.school_id != teacher.school_id]
    if strangers:
        raise ValidationError(
            {
                "students": _("Not students of %(school)s: %(names)s.")
                % {"school": teacher.school.name, "names": ", ".join(strangers)}
            }
        )
    declaration.establishment_registration = declaration.establishment_registration.strip()
    current = Declaration.objects.select_for_update().exclude(status=Declaration.Status.SUPERSEDED)
    previous = list(
        current.filter(
            teacher=teacher,
            school_year=declaration.school_year,
            establishment_registration=declaration.establishment_registration,
        )
    )
    if declaration.replaces_id:
        replaced = current.filter(pk=declaration.replaces_id, teacher=teacher).first()
        if replaced is None:
            raise ValidationError(_("Only your own current declaration can be replaced."))
        if replaced not in previous:
            previous.append(replaced)
    elif previous:
        declaration.replaces = previous[0]
    declaration.status = Declaration.Status.SUBMITTED
    declaration.acknowledged_by = None
    declaration.acknowledged_at = None
    declaration.published = any(p.published for p in previous)
    # Superseded first: the database allows one current version per establishment.
    Declaration.objects.filter(pk__in=[p.pk for p in previous]).update(
        status=Declaration.Status.SUPERSEDED
    )
    declaration.full_clean()
    declaration.save()
    declaration.students.set(students)
    audit_record(
        actor=actor,
        action="outside_tutoring_declare",
        obj=declaration,
        summary=f"{declaration.establishment_name} ({declaration.establishment_registration})",
        students=[s.national_id for s in students],
        superseded=[p.pk for p in previous],
        flags=_declaration_flags(declaration),
    )
    return declaration


@transaction.atomic
def declaration_acknowledge(*, actor, declaration: OutsideTutoringDeclaration):
    """The head of the teacher's school acknowledges the declaration."""
    declaration = (
        Declaration.objects.select_for_update()
        .select_related("teacher__school")
        .get(pk=declaration.pk)
    )
    _require(actor, "declaration.acknowledge", declaration)
    if declaration.status != Declaration.Status.SUBMITTED:
        raise ValidationError(
            _("A declaration that is '%(status)s' cannot be acknowledged.")
            % {"status": declaration.get_status_display()}
        )
    declaration.status = Declaration.Status.ACKNOWLEDGED
    declaration.acknowledged_by = actor
    declaration.acknowledged_at = timezone.now()
    declaration.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    audit_record(
        actor=actor,
        action="outside_tutoring_acknowledge",
        obj=declaration,
        summary=declaration.establishment_name,
        flags=_declaration_flags(declaration),
    )
    return declaration


@transaction.atomic
def declaration_publish(*, actor, school, published: bool):
    """The head publishes (or withdraws) the list of the school's teachers who tutor
    outside: every current declaration of the school. Returns how many changed."""
    _require(actor, "declaration.publish", school)
    current = (
        Declaration.objects.select_for_update()
        .filter(teacher__school=school, published=not published)
        .exclude(status=Declaration.Status.SUPERSEDED)
    )
    pks = list(current.values_list("pk", flat=True))
    Declaration.objects.filter(pk__in=pks).update(published=published)
    public_data_changed.send(sender=Declaration, school=school)
    audit_record(
        actor=actor,
        action="outside_tutoring_publish" if published else "outside_tutoring_unpublish",
        obj=school,
        summary=f"{school.name}: {len(pks)}",
        declarations=pks,
    )
    return len(pks)
