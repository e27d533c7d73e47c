"""Write operations on inspection plans, inspections, checklists, findings, corrective
actions and the suspensions decided from an inspection: one function per user action, each
atomic, each asking the policy and recording who did what (an InspectionEvent and an audit
row)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from schools import mail, policy
from schools.models import Activity, ActivityEvent, StaffMember
from schools.uploads import validate_scan

from . import access
from .checklists import ensure_default_checklist, questions_for
from .models import (
    ChecklistAnswer,
    ChecklistQuestion,
    CorrectiveAction,
    Evidence,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    InspectionSuspension,
    Scope,
    TeamMember,
)

Status = Inspection.Status
MAX_FILES = 5
# An inspection ordered now starts within these bounds (one recorded late, one planned for
# next school year) and lasts at most this long.
MAX_DAYS_BACK = 90
MAX_DAYS_AHEAD = 540
MAX_INSPECTION_DAYS = 60


def _require(actor, action, obj=None):
    if not policy.can(actor, action, obj):
        raise PermissionDenied(action)


def _event(actor, inspection, action, summary, obj=None):
    """Record a step of the inspection. ``summary`` is lazy text or a callable making it:
    it is written in the portal's language, the language of the records, whatever the
    actor's."""
    with translation.override(settings.LANGUAGE_CODE):
        summary = str(summary() if callable(summary) else summary)
    InspectionEvent.objects.create(
        inspection=inspection, actor=actor, action=action, summary=summary[:300]
    )
    audit_record(
        actor=actor,
        action=f"inspection_{action}",
        obj=obj if obj is not None else inspection,
        summary=f"{inspection.code}: {summary}",
    )


def _clean_scopes(scopes) -> list[str]:
    scopes = [s for s in Scope.values if s in set(scopes or [])]
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one area to inspect.")})
    return scopes


def _check_files(files, field="files"):
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise ValidationError({field: _("Attach at most %(n)d files.") % {"n": MAX_FILES}})
    for upload in files:
        try:
            validate_scan(upload)
        except ValidationError as error:
            raise ValidationError(
                {field: [f"{upload.name}: {message}" for message in error.messages]}
            ) from None
    return files


def _attach(actor, inspection, files, **owner):
    for upload in files:
        Evidence.objects.create(
            inspection=inspection,
            file=upload,
            title=upload.name.rsplit("/", 1)[-1][:200],
            uploaded_by=actor,
            **owner,
        )


# --- Plans --------------------------------------------------------------------------------


@transaction.atomic
def plan_save(*, actor, plan: InspectionPlan) -> InspectionPlan:
    """Create or edit an authority's plan for a school year."""
    creating = plan.pk is None
    if creating:
        _require(actor, "inspection.plan")
        plan.authority = access.authority_of(actor)
        plan.created_by = actor
    elif not policy.visible(actor, InspectionPlan).filter(pk=plan.pk).exists() or (
        access.authority_of(actor) != plan.authority
    ):
        raise PermissionDenied("inspection.plan")
    if not policy.scope_units(actor).filter(pk=plan.unit_id).exists() and not actor.is_superuser:
        raise ValidationError({"unit": _("Choose a unit your authority oversees.")})
    plan.title = plan.title.strip()
    plan.scopes = _clean_scopes(plan.scopes)
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action="inspection_plan_create" if creating else "inspection_plan_edit",
        obj=plan,
        summary=plan.title,
    )
    return plan


# --- Inspections --------------------------------------------------------------------------


def eligible_members(inspection_authority: str, school):
    """The accounts that may sit on a team inspecting ``school`` for the authority."""
    return access.officials(inspection_authority, school)


def _check_team(inspection, team, lead) -> None:
    team = list(dict.fromkeys(team))
    if not team:
        raise ValidationError({"team": _("Name at least one member of the team.")})
    if lead not in team:
        raise ValidationError({"lead": _("The head of the team must be one of its members.")})
    allowed = set(
        eligible_members(inspection.authority, inspection.school).values_list("pk", flat=True)
    )
    outsiders = [str(u) for u in team if u.pk not in allowed]
    if outsiders:
        raise ValidationError(
            {
                "team": _(
                    "%(names)s cannot inspect this school: an inspection team is made of "
                    "officials of the inspecting authority who oversee the school's area."
                )
                % {"names": ", ".join(outsiders)}
            }
        )


@transaction.atomic
def inspection_save(*, actor, inspection: Inspection, team, lead, complaint=None) -> Inspection:
    """Order an inspection (in a plan or not) or change it while it is planned."""
    creating = inspection.pk is None
    if creating:
        if inspection.school_id is None:
            raise ValidationError({"school": _("Choose the school to inspect.")})
        if not policy.can(actor, "inspection.plan", inspection.school):
            raise ValidationError(
                {"school": _("This school is not one your authority may inspect.")}
            )
        inspection.authority = access.authority_of(actor)
        inspection.created_by = actor
        inspection.checklist = inspection.checklist or ensure_default_checklist()
    else:
        current = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _require(actor, "inspection.manage", current)
        if current.status != Status.PLANNED:
            raise ValidationError(_("Only a planned inspection can be changed."))
        inspection.school_id = current.school_id
        inspection.authority = current.authority
    errors = {}
    if inspection.plan_id is not None:
        plan = inspection.plan
        if plan.authority != inspection.authority or not (
            policy.visible(actor, InspectionPlan).filter(pk=plan.pk).exists()
        ):
            errors["plan"] = _("Choose a plan of your authority.")
        elif not (plan.school_year.start <= inspection.planned_start <= plan.school_year.end):
            errors["planned_start"] = _("The inspection must start within the plan's school year.")
    if inspection.trigger == Inspection.Trigger.PLAN and inspection.plan_id is None:
        errors["plan"] = _("An inspection of the plan needs its plan.")
    if inspection.trigger != Inspection.Trigger.FOLLOW_UP:
        inspection.follows = None
    else:
        if inspection.follows_id is None or not (
            policy.visible(actor, Inspection).filter(pk=inspection.follows_id).exists()
        ):
            errors["follows"] = _("Choose the inspection this one follows up.")
        elif inspection.follows.concluded_at is None:
            # Nor does it reveal an unannounced inspection still to come.
            errors["follows"] = _("Only a concluded inspection is followed up.")
        elif inspection.follows.school_id != inspection.school_id:
            errors["follows"] = _("A follow-up inspects the same school.")
        elif inspection.follows.authority != inspection.authority:
            errors["follows"] = _("The authority that ran an inspection follows it up.")
    start, end = inspection.planned_start, inspection.planned_end
    today = timezone.localdate()
    if start and end and end < start:
        errors["planned_end"] = _("The end cannot be before the start.")
    elif start and end and (end - start).days > MAX_INSPECTION_DAYS:
        errors["planned_end"] = _("An inspection lasts at most %(n)d days.") % {
            "n": MAX_INSPECTION_DAYS
        }
    if (
        start
        and creating
        and not (
            today - timedelta(days=MAX_DAYS_BACK) <= start <= today + timedelta(days=MAX_DAYS_AHEAD)
        )
    ):
        errors["planned_start"] = _("Plan the start between %(earliest)s and %(latest)s.") % {
            "earliest": (today - timedelta(days=MAX_DAYS_BACK)).strftime("%d/%m/%Y"),
            "latest": (today + timedelta(days=MAX_DAYS_AHEAD)).strftime("%d/%m/%Y"),
        }
    try:
        inspection.scopes = _clean_scopes(inspection.scopes)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _check_team(inspection, team, lead)
    inspection.full_clean(exclude=["plan", "follows", "checklist", "signed_by"])
    inspection.save()
    inspection.team.exclude(user__in=team).delete()
    inspection.team.filter(is_lead=True).exclude(user=lead).update(is_lead=False)
    for member in team:
        TeamMember.objects.update_or_create(
            inspection=inspection, user=member, defaults={"is_lead": member == lead}
        )
    if creating:
        _event(
            actor,
            inspection,
            "create",
            lambda: (
                _("Ordered: %(kind)s inspection of %(school)s")
                % {"kind": inspection.get_kind_display().lower(), "school": inspection.school}
            ),
        )
    else:
        _event(actor, inspection, "edit", gettext_lazy("Changed while planned"))
    if complaint is not None:
        from .complaints import complaint_link

        complaint_link(actor=actor, complaint=complaint, inspection=inspection)
    return inspection


# Each transition: the statuses it leaves from, the status it reaches, and the policy
# actions of which the actor needs one.
TRANSITIONS = {
    "start": ({Status.PLANNED}, Status.IN_PROGRESS, ("inspection.work",)),
    "record": ({Status.IN_PROGRESS}, Status.FINDINGS_RECORDED, ("inspection.work",)),
    "resume_work": ({Status.FINDINGS_RECORDED}, Status.IN_PROGRESS, ("inspection.work",)),
    "conclude": ({Status.FINDINGS_RECORDED}, Status.CONCLUDED, ("inspection.sign",)),
    "follow_up": (
        {Status.CONCLUDED},
        Status.FOLLOW_UP,
        ("inspection.sign", "inspection.manage"),
    ),
    "close": (
        {Status.CONCLUDED, Status.FOLLOW_UP},
        Status.CLOSED,
        ("inspection.sign", "inspection.manage"),
    ),
}

BUTTON_LABELS = {
    "start": gettext_lazy("Start the inspection"),
    "record": gettext_lazy("Findings recorded"),
    "resume_work": gettext_lazy("Back to the visit"),
    "conclude": gettext_lazy("Sign the conclusion"),
    "follow_up": gettext_lazy("Follow up the corrective actions"),
    "close": gettext_lazy("Close the inspection"),
}

# Asked before a step that ends a stage of the inspection.
CONFIRMATIONS = {
    "record": gettext_lazy(
        "Have all the findings been recorded? The team can still go back to the visit."
    ),
    "close": gettext_lazy("Close the inspection? Nothing can be added to it afterwards."),
}

EVENT_LABELS = {
    "start": gettext_lazy("Inspection started"),
    "record": gettext_lazy("Findings recorded"),
    "resume_work": gettext_lazy("Back to the visit"),
    "conclude": gettext_lazy("Conclusion signed"),
    "follow_up": gettext_lazy("Follow-up of the corrective actions"),
    "close": gettext_lazy("Inspection closed"),
}


def may(actor, name, inspection) -> bool:
    sources, _target, actions = TRANSITIONS[name]
    return inspection.status in sources and any(policy.can(actor, a, inspection) for a in actions)


def _open_actions(inspection):
    return CorrectiveAction.objects.filter(finding__inspection=inspection).exclude(
        status=CorrectiveAction.Status.ACCEPTED
    )


@transaction.atomic
def inspection_transition(
    *, actor, inspection: Inspection, name: str, conclusion="", sanctions=""
) -> Inspection:
    """Take the inspection one step along planned → in progress → findings recorded →
    concluded → follow-up → closed."""
    if name not in TRANSITIONS:
        raise ValidationError(_("Unknown action."))
    i = Inspection.objects.select_for_update().select_related("school").get(pk=inspection.pk)
    sources, target, actions = TRANSITIONS[name]
    if not any(policy.can(actor, a, i) for a in actions):
        raise PermissionDenied(name)
    if i.status not in sources:
        raise ValidationError(
            _("An inspection that is '%(status)s' cannot do this: %(action)s.")
            % {"status": i.get_status_display(), "action": EVENT_LABELS[name]}
        )
    now = timezone.now()
    fields = ["status", "updated_at"]
    if name == "start":
        i.started_at = now
        fields.append("started_at")
    if name == "conclude":
        conclusion, sanctions = conclusion.strip(), sanctions.strip()
        if not conclusion:
            raise ValidationError({"conclusion": _("Write the conclusion.")})
        i.conclusion, i.sanctions = conclusion, sanctions
        i.signed_by, i.concluded_at = actor, now
        fields += ["conclusion", "sanctions", "signed_by", "concluded_at"]
    if name == "follow_up" and not _open_actions(i).exists():
        raise ValidationError(_("No corrective action is waiting: close the inspection."))
    if name == "close":
        waiting = _open_actions(i).count()
        if waiting:
            raise ValidationError(
                _(
                    "%(n)d corrective actions are not accepted yet: the inspection closes when "
                    "all are done."
                )
                % {"n": waiting}
            )
        i.closed_at = now
        fields.append("closed_at")
    i.status = target
    i.save(update_fields=fields)
    _event(actor, i, name, EVENT_LABELS[name])
    return i


# --- The checklist ------------------------------------------------------------------------


def _require_work(actor, inspection):
    _require(actor, "inspection.work", inspection)
    if not inspection.is_open_for_work:
        raise ValidationError(_("The team records its work while the inspection is in progress."))


@transaction.atomic
def checklist_answer(
    *, actor, inspection: Inspection, question: ChecklistQuestion, answer: str, note="", photos=()
) -> ChecklistAnswer:
    i = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _require_work(actor, i)
    if not questions_for(i).filter(pk=question.pk).exists():
        raise ValidationError(_("This question is not on the inspection's checklist."))
    if answer not in ChecklistAnswer.Answer.values:
        raise ValidationError({"answer": _("Answer yes, no or not applicable.")})
    photos = _check_files(photos, "photos")
    record, _created = ChecklistAnswer.objects.update_or_create(
        inspection=i,
        question=question,
        defaults={"answer": answer, "note": note.strip(), "answered_by": actor},
    )
    _attach(actor, i, photos, answer=record)
    _event(
        actor,
        i,
        "answer",
        lambda: f"{question.order}. {record.get_answer_display()}",
        obj=record,
    )
    return record


# --- Findings and corrective actions -----------------------------------------------------


@transaction.atomic
def finding_save(*, actor, finding: Finding, files=()) -> Finding:
    """Record a finding, or correct one while the team is at work, with its evidence."""
    inspection = Inspection.objects.select_for_update().get(pk=finding.inspection_id)
    _require_work(actor, inspection)
    errors = {}
    if finding.activity_id is not None and finding.activity.school_id != inspection.school_id:
        errors["activity"] = _("The activity must be one of the inspected school.")
    if finding.answer_id is not None and finding.answer.inspection_id != inspection.pk:
        errors["answer"] = _("The question must be of this inspection's checklist.")
    if finding.responsible_user_id is not None and not (
        StaffMember.objects.filter(
            user_id=finding.responsible_user_id, school=inspection.school
        ).exists()
    ):
        errors["responsible_user"] = _("The person responsible must work at the school.")
    if errors:
        raise ValidationError(errors)
    files = _check_files(files)
    creating = finding.pk is None
    if creating:
        finding.created_by = actor
    for name in ("title", "description", "legal_basis", "responsible"):
        setattr(finding, name, getattr(finding, name).strip())
    finding.full_clean(exclude=["inspection", "activity", "answer", "responsible_user"])
    finding.save()
    _attach(actor, inspection, files, finding=finding)
    if creating and finding.answer_id is not None:
        # The photos taken at the question are the finding's evidence too (the same files).
        for photo in finding.answer.photos.all():
            Evidence.objects.create(
                inspection=inspection,
                finding=finding,
                file=photo.file.name,
                title=photo.title,
                uploaded_by=photo.uploaded_by,
            )
    _event(
        actor,
        inspection,
        "finding" if creating else "finding_edit",
        lambda: (
            (_("Finding: %(title)s") if creating else _("Finding corrected: %(title)s"))
            % {"title": finding.title}
        ),
        obj=finding,
    )
    return finding


@transaction.atomic
def evidence_add(*, actor, finding: Finding, files) -> list[Evidence]:
    inspection = Inspection.objects.select_for_update().get(pk=finding.inspection_id)
    _require_work(actor, inspection)
    files = _check_files(files)
    if not files:
        raise ValidationError({"files": _("Choose a photo or a document.")})
    _attach(actor, inspection, files, finding=finding)
    _event(
        actor,
        inspection,
        "evidence",
        lambda: _("Evidence added to: %(title)s") % {"title": finding.title},
        obj=finding,
    )
    return list(finding.evidence.all())


def _check_due_date(due_date):
    if due_date is None:
        raise ValidationError({"due_date": _("Set the deadline.")})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The deadline cannot be in the past.")})


def _portal_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _school_addresses(school) -> list[str]:
    addresses = [school.email]
    if school.head_id and school.head.email:
        addresses.append(school.head.email)
    return sorted({a for a in addresses if a})


@transaction.atomic
def action_add(*, actor, action: CorrectiveAction) -> CorrectiveAction:
    """Require the school to correct a finding, by a deadline."""
    inspection = Inspection.objects.select_for_update().get(pk=action.finding.inspection_id)
    _require_work(actor, inspection)
    _check_due_date(action.due_date)
    action.description, action.responsible = action.description.strip(), action.responsible.strip()
    action.created_by = actor
    action.status = CorrectiveAction.Status.OPEN
    action.full_clean(exclude=["finding"])
    action.save()
    _event(
        actor,
        inspection,
        "action",
        lambda: (
            _("Corrective action by %(date)s: %(what)s")
            % {"date": action.due_date.strftime("%d/%m/%Y"), "what": action.description[:150]}
        ),
        obj=action,
    )
    # The school learns of it once an unannounced inspection has started, which it has.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(school)s: a corrective action is required") % {
            "school": inspection.school.name
        }
        body = _(
            "The inspection %(code)s requires of your school, by %(date)s:\n%(what)s\n\n"
            "Answer it with your evidence on the portal: %(url)s"
        ) % {
            "code": inspection.code,
            "date": action.due_date.strftime("%d/%m/%Y"),
            "what": action.description,
            "url": _portal_url(action.get_absolute_url()),
        }
    mail.send_after_commit((subject, body, a) for a in _school_addresses(inspection.school))
    return action


@transaction.atomic
def action_answer(*, actor, action: CorrectiveAction, response: str, files=()) -> CorrectiveAction:
    """The school's head says what was done, with evidence."""
    a = (
        CorrectiveAction.objects.select_for_update()
        .select_related("finding__inspection")
        .get(pk=action.pk)
    )
    _require(actor, "action.answer", a)
    inspection = a.finding.inspection
    if inspection.status == Status.CLOSED:
        raise ValidationError(_("The inspection is closed."))
    if a.status != CorrectiveAction.Status.OPEN:
        raise ValidationError(_("This action has been answered already."))
    response = response.strip()
    if not response:
        raise ValidationError({"response": _("Say what the school has done.")})
    files = _check_files(files)
    a.status = CorrectiveAction.Status.ANSWERED
    a.response, a.answered_by, a.answered_at = response, actor, timezone.now()
    a.save(update_fields=["status", "response", "answered_by", "answered_at"])
    _attach(actor, inspection, files, action=a)
    _event(
        actor,
        inspection,
        "action_answer",
        lambda: _("The school answered: %(what)s") % {"what": a.description[:150]},
        obj=a,
    )
    return a


@transaction.atomic
def action_review(*, actor, action: CorrectiveAction, accept: bool, note="", due_date=None):
    """The team accepts the school's answer, or reopens the action with what is missing (and
    maybe a new deadline)."""
    a = (
        CorrectiveAction.objects.select_for_update()
        .select_related("finding__inspection")
        .get(pk=action.pk)
    )
    inspection = a.finding.inspection
    _require(actor, "inspection.work", inspection)
    if a.status != CorrectiveAction.Status.ANSWERED:
        raise ValidationError(_("Only an answered action can be reviewed."))
    note = note.strip()
    fields = ["status", "review_note", "reviewed_by", "reviewed_at"]
    if accept:
        a.status = CorrectiveAction.Status.ACCEPTED
        summary = gettext_lazy("Answer accepted: %(what)s")
    else:
        if not note:
            raise ValidationError({"note": _("Say what is still missing.")})
        if due_date is not None:
            _check_due_date(due_date)
            a.due_date = due_date
            fields.append("due_date")
        a.status = CorrectiveAction.Status.OPEN
        summary = gettext_lazy("Action reopened: %(what)s")
    a.review_note, a.reviewed_by, a.reviewed_at = note, actor, timezone.now()
    a.save(update_fields=fields)
    _event(
        actor,
        inspection,
        "action_review",
        lambda: str(summary) % {"what": a.description[:150]},
        obj=a,
    )
    return a


def overdue_actions(today=None):
    return CorrectiveAction.objects.filter(
        status=CorrectiveAction.Status.OPEN, due_date__lt=today or timezone.localdate()
    )


@transaction.atomic
def remind_overdue(*, today=None) -> int:
    """E-mail each school with actions past their deadline, once a day at most (two runs at
    once skip the actions the other holds). Returns the number of schools reminded."""
    today = today or timezone.localdate()
    actions = list(
        overdue_actions(today)
        .exclude(reminded_on=today)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("finding__inspection__school__head")
        .order_by("finding__inspection__school", "due_date", "id")
    )
    by_school = {}
    for action in actions:
        by_school.setdefault(action.finding.inspection.school, []).append(action)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for school, overdue in by_school.items():
            lines = "\n".join(
                f"- {a.due_date:%d/%m/%Y} ({a.finding.inspection.code}): {a.description[:200]}"
                for a in overdue
            )
            subject = _("%(school)s: corrective actions past their deadline") % {
                "school": school.name
            }
            body = _(
                "These corrective actions required of your school are past their deadline:\n"
                "%(lines)s\n\nAnswer them with your evidence on the portal: %(url)s\nThe "
                "inspecting authority sees them as overdue."
            ) % {"lines": lines, "url": _portal_url(reverse("inspections:action_list"))}
            messages += [(subject, body, address) for address in _school_addresses(school)]
    CorrectiveAction.objects.filter(pk__in=[a.pk for a in actions]).update(reminded_on=today)
    mail.send_after_commit(messages)
    return len(by_school)


# --- Suspension from an inspection --------------------------------------------------------


@transaction.atomic
def suspend_from_inspection(*, actor, inspection: Inspection, activity: Activity, reason: str):
    """The authority suspends a linked programme or a tutoring class of the inspected school:
    the same suspension as in partnerships and tutoring, its decision referring to the
    inspection, and linked back to it."""
    i = Inspection.objects.select_for_update().get(pk=inspection.pk)
    # The inspection's own authority (which must also be allowed to suspend the activity).
    _require(actor, "inspection.manage", i)
    if i.status in (Status.PLANNED, Status.CLOSED):
        raise ValidationError(_("Suspend from an inspection under way or concluded."))
    if activity.school_id != i.school_id:
        raise ValidationError({"activity": _("The activity must be one of the inspected school.")})
    reference = f"{i.code}{' · ' + i.reference if i.reference else ''}"[:100]
    if activity.kind == Activity.Kind.PROGRAMME:
        from partnerships.models import Programme
        from partnerships.services import programme_transition

        programme_transition(
            actor=actor,
            programme=Programme.objects.get(pk=activity.pk),
            name="suspend",
            reason=reason,
            reference=reference,
        )
    else:
        from tutoring.models import TutoringClass
        from tutoring.services import tutoring_class_suspend

        tutoring_class_suspend(
            actor=actor,
            tutoring_class=TutoringClass.objects.get(pk=activity.pk),
            reason=reason,
            reference=reference,
        )
    event = ActivityEvent.objects.filter(
        activity=activity, to_status=Activity.Status.SUSPENDED
    ).latest("id")
    link = InspectionSuspension.objects.create(inspection=i, event=event)
    _event(
        actor,
        i,
        "suspend",
        lambda: _("Suspended: %(title)s") % {"title": activity.title},
        obj=activity,
    )
    return link
