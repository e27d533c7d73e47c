"""The consent ledger: a family's decision on an activity offered to their child.

Every decision is an event added to ``ConsentEvent`` (never changed, never deleted: the
database refuses it). ``Enrollment.status`` keeps the answer the events give, written in the
same transaction: on the roster only with a consent in force for the activity's current
terms; on the waiting list, in order, when the consent came after the last place was taken.

Concurrency: every decision on an activity locks the activity's row first, then the
enrolment's, so that two parents taking the last place at once are served one after the
other and exactly ``capacity`` students are on the roster. A form carries the id of the
latest event it was drawn from (``expected_last``): a double click or a replayed form
finds the ledger moved on, and records nothing more.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record

from . import mail
from .models import Activity, ConsentEvent, Enrollment, Guardian, Student

Kind = ConsentEvent.Kind
Channel = ConsentEvent.Channel

STATUS_AFTER = {
    Kind.DECLINED: Enrollment.Status.DECLINED,
    Kind.WITHDRAWN: Enrollment.Status.WITHDRAWN,
}
# Channels on which the parent acts themselves (no staff member records it).
PARENT_CHANNELS = {Channel.ONLINE, Channel.LINK}


@dataclass
class Decision:
    event: ConsentEvent
    enrollment: Enrollment
    repeated: bool = False  # the same decision was already the latest: nothing new recorded
    waiting_position: int | None = None  # 1 for the first on the waiting list

    @property
    def status(self):
        return self.enrollment.status


class LedgerMoved(ValidationError):
    """The form was drawn from an older state of the ledger (a replayed or stale form)."""


def latest_event(enrollment) -> ConsentEvent | None:
    return enrollment.consent_events.order_by("-id").first()


def waiting_position(enrollment) -> int | None:
    if enrollment.status != Enrollment.Status.WAITING:
        return None
    # The order in which _fill_place serves the list: by time, then by id for a tie.
    ahead = Enrollment.objects.filter(
        Q(waiting_since__lt=enrollment.waiting_since)
        | Q(waiting_since=enrollment.waiting_since, pk__lt=enrollment.pk),
        activity_id=enrollment.activity_id,
        status=Enrollment.Status.WAITING,
    ).count()
    return ahead + 1


def _check_guardian(enrollment, guardian):
    if not enrollment.student.guardianships.filter(guardian=guardian).exists():
        raise PermissionDenied("not a guardian of the student")


def offer_enrollment(*, activity: Activity, student: Student) -> Enrollment:
    """The student's enrolment for an activity offered to all the grades it is for (a
    linked programme), made when a parent first answers. Tutoring classes are offered only
    to the students staff proposed, with the basis of their eligibility."""
    if activity.kind != Activity.Kind.PROGRAMME:
        raise PermissionDenied("tutoring is offered by proposal only")
    if student.school_id != activity.school_id or not (
        activity.grade_min <= student.grade <= activity.grade_max
    ):
        raise PermissionDenied("not offered to this student")
    # Mostly there is none yet (a family's first answer): insert it at once, and read the
    # one that is there when there is (a parallel answer, or an earlier one).
    try:
        with transaction.atomic():
            return Enrollment.objects.create(
                activity=activity, student=student, basis=Enrollment.Basis.VOLUNTARY
            )
    except IntegrityError:
        return Enrollment.objects.get(activity=activity, student=student)


@transaction.atomic
def record(
    *,
    enrollment: Enrollment,
    guardian: Guardian,
    kind: str,
    channel: str,
    actor=None,
    expected_last: int | None = None,
    expected_terms: str | None = None,
    scan=None,
    note: str = "",
) -> Decision:
    """Record a parent's decision (given, declined, withdrawn) and bring the enrolment's
    status in line. The caller has checked who may act for the family on this channel."""
    if kind not in Kind.values or channel not in Channel.values:
        raise ValidationError(_("Unknown decision."))
    # Lock order: the activity, then the enrolment (see the module docstring).
    activity = Activity.objects.select_for_update().get(pk=enrollment.activity_id)
    enrollment = (
        Enrollment.objects.select_for_update().select_related("student").get(pk=enrollment.pk)
    )
    _check_guardian(enrollment, guardian)
    latest = latest_event(enrollment)
    if expected_last is not None and (latest.pk if latest else 0) != expected_last:
        if (
            latest is not None
            and latest.kind == kind
            and latest.guardian_id == guardian.pk
            and latest.terms_hash == activity.terms_hash
        ):
            # A double click, or the same form sent twice: one event.
            return Decision(latest, enrollment, True, waiting_position(enrollment))
        raise LedgerMoved(
            _(
                "The answer for %(name)s changed since this page was opened. Look at it "
                "again before deciding."
            )
            % {"name": enrollment.student.full_name}
        )
    if expected_terms is not None and expected_terms != activity.terms_hash:
        # The page showed other terms than those in force now: never agree to unseen terms.
        raise LedgerMoved(
            _("The terms of '%(title)s' changed since this page was opened. Read them again.")
            % {"title": activity.title}
        )
    if kind == Kind.GIVEN:
        if not activity.accepts_consent():
            raise ValidationError(
                _("'%(title)s' is %(status)s: no consent can be recorded for it now.")
                % {"title": activity.title, "status": activity.get_status_display().lower()}
            )
        if (
            enrollment.status in (Enrollment.Status.ENROLLED, Enrollment.Status.WAITING)
            and latest is not None
            and latest.terms_hash == activity.terms_hash
        ):
            # Already agreed to these very terms.
            return Decision(latest, enrollment, True, waiting_position(enrollment))
    elif kind == Kind.DECLINED and enrollment.status in (
        Enrollment.Status.ENROLLED,
        Enrollment.Status.WAITING,
    ):
        # Leaving the roster is a withdrawal, and is recorded as one.
        raise ValidationError(_("Your child takes part: to leave, withdraw your consent."))
    elif kind == Kind.WITHDRAWN and enrollment.status not in (
        Enrollment.Status.ENROLLED,
        Enrollment.Status.WAITING,
        Enrollment.Status.NEEDS_RENEWAL,
    ):
        raise ValidationError(_("There is no consent in force to withdraw."))

    event = ConsentEvent.objects.create(
        enrollment=enrollment,
        kind=kind,
        guardian=guardian,
        channel=channel,
        actor=actor,
        terms_hash=activity.terms_hash,
        scan=scan or "",
        note=note,
    )
    freed = enrollment.status == Enrollment.Status.ENROLLED and kind != Kind.GIVEN
    if kind == Kind.GIVEN:
        on_roster = (
            activity.enrollments.filter(status=Enrollment.Status.ENROLLED)
            .exclude(pk=enrollment.pk)
            .count()
        )
        if on_roster < activity.capacity:
            enrollment.status = Enrollment.Status.ENROLLED
            enrollment.waiting_since = None
        else:
            enrollment.status = Enrollment.Status.WAITING
            enrollment.waiting_since = event.at
    else:
        enrollment.status = STATUS_AFTER[kind]
        enrollment.waiting_since = None
    enrollment.save(update_fields=["status", "waiting_since"])
    audit_record(
        actor=actor,
        action=f"consent_{kind}",
        obj=enrollment,
        summary=f"{enrollment.student.national_id}: {kind} ({channel}) → {enrollment.status}",
        channel=channel,
        guardian=guardian.pk,
    )
    promoted = _fill_place(activity) if freed else None
    _notify(activity, enrollment, event, promoted)
    return Decision(event, enrollment, False, waiting_position(enrollment))


def _fill_place(activity) -> Enrollment | None:
    """A place freed: the first on the waiting list whose consent is for the current terms
    joins the roster."""
    if not activity.accepts_consent():
        return None  # suspended or closed: nobody joins until it resumes (fill_places)
    on_roster = activity.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    if on_roster >= activity.capacity:
        return None
    first = (
        activity.enrollments.select_for_update()
        .filter(status=Enrollment.Status.WAITING)
        .order_by("waiting_since", "id")
        .first()
    )
    if first is None:
        return None
    first.status = Enrollment.Status.ENROLLED
    first.waiting_since = None
    first.save(update_fields=["status", "waiting_since"])
    audit_record(
        actor=None,
        action="consent_waiting_promoted",
        obj=first,
        summary=f"{first.student.national_id}: waiting → enrolled",
    )
    return first


@transaction.atomic
def fill_places(activity: Activity) -> list[Enrollment]:
    """After a suspension is lifted: the places freed meanwhile go to the waiting list, in
    order, and those families are told."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    promoted = []
    while (first := _fill_place(activity)) is not None:
        promoted.append(first)
        _tell_promoted(activity, first)
    return promoted


@transaction.atomic
def terms_changed(*, activity: Activity, previous_hash: str) -> int:
    """A material change of the terms (fee, schedule, provider, content): every consent in
    force was given for other terms, so the students leave the roster and the waiting list
    and their parents are asked again. Returns how many were asked."""
    if not previous_hash or previous_hash == activity.terms_hash:
        return 0
    asked = activity.enrollments.filter(
        status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.WAITING]
    )
    guardians = list(
        Guardian.objects.filter(students__enrollments__in=asked).select_related("user").distinct()
    )
    count = asked.update(status=Enrollment.Status.NEEDS_RENEWAL, waiting_since=None)
    if count:
        audit_record(
            actor=None,
            action="consent_renewal_asked",
            obj=activity,
            summary=f"{activity.title}: {count}",
        )
        _mail_after_commit(
            [g.contact_email for g in guardians],
            _("The terms of '%(title)s' have changed") % {"title": activity.title},
            _(
                "The fee, schedule, provider or content of '%(title)s' has changed. Your "
                "earlier consent no longer applies: open the portal to agree to the new terms "
                "or decline. Your child takes part only if you agree again."
            )
            % {"title": activity.title},
        )
    return count


def _mail_after_commit(recipients, subject, body):
    mail.send_after_commit((subject, body, address) for address in sorted(set(recipients)))


def _notify(activity, enrollment, event, promoted):
    """A receipt to the parent who acted; the school told of a withdrawal; a parent whose
    child left the waiting list for the roster told so. In the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        name, title = enrollment.student.full_name, activity.title
        if event.channel in PARENT_CHANNELS:
            outcome = {
                Enrollment.Status.ENROLLED: _("%(name)s is on the list of '%(title)s'."),
                Enrollment.Status.WAITING: _(
                    "All places of '%(title)s' are taken: %(name)s is on the waiting list "
                    "and joins when a place frees."
                ),
                Enrollment.Status.DECLINED: _("You declined '%(title)s' for %(name)s."),
                Enrollment.Status.WITHDRAWN: _(
                    "You withdrew your consent: %(name)s has left '%(title)s'."
                ),
            }[enrollment.status] % {"name": name, "title": title}
            _mail_after_commit(
                [event.guardian.contact_email],
                _("Receipt: your decision on '%(title)s'") % {"title": title},
                _(
                    "%(outcome)s\nRecorded on %(time)s. You may change your decision at any "
                    "time, without consequence for your child."
                )
                % {
                    "outcome": outcome,
                    "time": timezone.localtime(event.at).strftime("%H:%M %d/%m/%Y"),
                },
            )
        if event.kind == Kind.WITHDRAWN:
            _mail_after_commit(
                [activity.school.email],
                _("Consent withdrawn: %(name)s, '%(title)s'") % {"name": name, "title": title},
                _("A parent withdrew their consent: %(name)s has left '%(title)s'.")
                % {"name": name, "title": title},
            )
    if promoted is not None:
        _tell_promoted(activity, promoted)


def _tell_promoted(activity, enrollment):
    """A family whose child left the waiting list for the roster is told so."""
    name = enrollment.student.full_name
    with translation.override(settings.LANGUAGE_CODE):
        _mail_after_commit(
            [g.contact_email for g in enrollment.student.guardians.select_related("user")],
            _("A place for %(name)s in '%(title)s'") % {"name": name, "title": activity.title},
            _("A place freed: %(name)s is now on the list of '%(title)s'.")
            % {"name": name, "title": activity.title},
        )
