"""The authorization rules of inspections and complaints, registered into the portal's one
policy (``schools.policy``) when the app is ready; views ask ``policy.visible``, ``policy.can``
and ``policy.get_object_or_404`` as everywhere else.

* An inspection belongs to its authority: the Department (its inspectorate) for any school of
  the city, or the People's Committee of the area for the schools it manages. The authority
  plans it, names its team and suspends activities from it; the Department also sees the
  committees' inspections of its city.
* Its team (inspectors, or officials of the authority) answers the checklist, records
  findings and sets corrective actions; the head of the team signs the conclusion. An
  inspector sees only the inspections whose team they are on.
* The school's head sees its inspections (an unannounced one only once it has started), the
  findings and the corrective actions, and answers the actions; never the team's checklist.
  So does the People's Committee for the Department's inspections of the schools it manages:
  it handles the complaints about them and links them to the inspection.
* A complaint is handled by the school's managing authority (``policy.decidable_schools``)
  and by the official it is assigned to; nobody else sees it, not even the school.
"""

from django.db.models import Q, QuerySet

from accounts.models import Role
from schools import policy

from .models import (
    Authority,
    ChecklistAnswer,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    CorrectiveAction,
    Evidence,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    InspectionSuspension,
    TeamMember,
)

# The roles an inspection team is made of.
TEAM_ROLES = {Role.INSPECTOR, Role.DEPARTMENT, Role.COMMITTEE}
AUTHORITY_OF_ROLE = {Role.DEPARTMENT: Authority.DEPARTMENT, Role.COMMITTEE: Authority.COMMITTEE}


def authority_of(user) -> str | None:
    """The authority ``user`` plans and manages inspections for, if any."""
    if user.is_superuser:
        return Authority.DEPARTMENT
    return AUTHORITY_OF_ROLE.get(user.role)


def officials(authority: str, school) -> QuerySet:
    """The active accounts that act for ``authority`` about ``school`` (sit on its inspection
    team, handle a complaint about it): the Department's officials and inspectors, or the
    People's Committee's officials, who oversee the school's area."""
    roles = (
        [Role.INSPECTOR, Role.DEPARTMENT] if authority == Authority.DEPARTMENT else [Role.COMMITTEE]
    )
    return policy.overseers(school).filter(role__in=roles).order_by("full_name", "username")


def inspectable_schools(user) -> QuerySet:
    """The schools ``user``'s authority may inspect: every school of the Department's city,
    the schools a People's Committee manages in its area."""
    schools = policy.visible_schools(user)
    if user.is_superuser or user.role == Role.DEPARTMENT:
        return schools
    if user.role == Role.COMMITTEE:
        return schools.filter(policy.committee_managed())
    return schools.none()


def _announced() -> Q:
    """A periodic inspection, or an unannounced one that has started."""
    return Q(kind=Inspection.Kind.PERIODIC) | ~Q(status=Inspection.Status.PLANNED)


def inspections(user) -> QuerySet[Inspection]:
    everything = Inspection.objects.all()
    if user.is_superuser:
        return everything
    on_team = Q(team__user=user)
    if user.role == Role.DEPARTMENT:
        rule = Q(school__in=policy.visible_schools(user)) | on_team
    elif user.role == Role.COMMITTEE:
        # Its own inspections; and the Department's of the schools it manages, once they
        # are announced or under way (as the school sees them): it handles the complaints
        # about those schools and links them to the inspection.
        rule = (
            Q(school__in=inspectable_schools(user))
            & (Q(authority=Authority.COMMITTEE) | _announced())
        ) | on_team
    elif user.role == Role.INSPECTOR:
        rule = on_team
    elif user.role == Role.PRINCIPAL:
        rule = Q(school__in=policy.visible_schools(user)) & _announced()
    else:
        return everything.none()
    return everything.filter(pk__in=Inspection.objects.filter(rule).values("pk"))


def plans(user) -> QuerySet[InspectionPlan]:
    everything = InspectionPlan.objects.all()
    if user.is_superuser:
        return everything
    under_scope = policy._under(policy.scope_paths(user), "unit__path")
    if user.role == Role.DEPARTMENT:
        return everything.filter(under_scope)
    if user.role == Role.COMMITTEE:
        return everything.filter(under_scope, authority=Authority.COMMITTEE)
    if user.role == Role.INSPECTOR:
        return everything.filter(pk__in=Inspection.objects.filter(team__user=user).values("plan"))
    return everything.none()


def _working_papers(user) -> QuerySet[Inspection]:
    """The inspections whose checklist ``user`` reads: their team's, and their authority's
    own (not the Department's reading of a committee's inspection, nor the school's)."""
    if user.is_superuser:
        return Inspection.objects.all()
    rule = Q(team__user=user)
    authority = authority_of(user)
    if authority is not None:
        rule |= Q(authority=authority, school__in=inspectable_schools(user))
    return Inspection.objects.filter(pk__in=Inspection.objects.filter(rule).values("pk"))


def checklist_answers(user) -> QuerySet[ChecklistAnswer]:
    return ChecklistAnswer.objects.filter(inspection__in=_working_papers(user))


def evidence(user) -> QuerySet[Evidence]:
    """Photos of the checklist as its answers; the evidence of findings and actions with the
    inspection."""
    return Evidence.objects.filter(
        Q(answer__isnull=True, inspection__in=inspections(user))
        | Q(answer__isnull=False, inspection__in=_working_papers(user))
    )


def complaints(user) -> QuerySet[Complaint]:
    everything = Complaint.objects.all()
    if user.is_superuser:
        return everything
    if user.role not in policy.UNIT_ROLES:
        return everything.none()
    rule = Q(assigned_to=user)
    if user.role in (Role.DEPARTMENT, Role.COMMITTEE):
        rule |= Q(school__in=policy.decidable_schools(user))
    return everything.filter(rule)


def _member(user, inspection, *, lead=False) -> bool:
    if inspection is None or not isinstance(inspection, Inspection):
        return False
    members = TeamMember.objects.filter(inspection=inspection, user=user)
    if lead:
        members = members.filter(is_lead=True)
    return members.exists()


def _inspection_of(obj) -> Inspection | None:
    if isinstance(obj, Inspection):
        return obj
    if isinstance(obj, Finding):
        return obj.inspection
    if isinstance(obj, CorrectiveAction):
        return obj.finding.inspection
    return None


def may_plan(user, school=None) -> bool:
    """Plans and orders inspections (of ``school``, if given)."""
    if authority_of(user) is None:
        return False
    return school is None or inspectable_schools(user).filter(pk=school.pk).exists()


def manages(user, obj) -> bool:
    """The inspection's authority: the Department for its own inspections, the People's
    Committee for its own, in their scope."""
    inspection = _inspection_of(obj)
    if inspection is None or authority_of(user) != inspection.authority:
        return False
    return inspectable_schools(user).filter(pk=inspection.school_id).exists()


def works_on(user, obj) -> bool:
    """On the inspection's team."""
    return _member(user, _inspection_of(obj))


def leads(user, obj) -> bool:
    return _member(user, _inspection_of(obj), lead=True)


def sees(user, obj) -> bool:
    inspection = _inspection_of(obj)
    return inspection is not None and inspections(user).filter(pk=inspection.pk).exists()


def triages(user, complaint) -> bool:
    """The school's managing authority (see ``policy._decides``)."""
    return isinstance(complaint, Complaint) and policy._decides(user, complaint)


# Who has inspections to list: the authorities, their inspectors, the schools' heads.
LIST_ROLES = {*TEAM_ROLES, Role.PRINCIPAL}

RULES = {
    "inspection.list": lambda user, obj: user.is_superuser or user.role in LIST_ROLES,
    "inspection.plan": lambda user, obj: may_plan(user, obj),
    "inspection.view": sees,
    "inspection.manage": manages,
    # The team's work: checklist, findings, corrective actions, their review.
    "inspection.work": works_on,
    "inspection.view_checklist": lambda user, obj: works_on(user, obj) or manages(user, obj),
    # Starting is the team's; the conclusion is signed by the head of the team.
    "inspection.sign": leads,
    # The school's head answers a corrective action with evidence.
    "action.answer": lambda user, obj: (
        isinstance(obj, CorrectiveAction) and policy._heads(user, obj) and sees(user, obj)
    ),
    # The queue: the authority's complaints, or an inspector's assigned ones.
    "complaint.queue": lambda user, obj: user.is_superuser or user.role in policy.UNIT_ROLES,
    "complaint.triage": triages,
    "complaint.view": lambda user, obj: (
        triages(user, obj) or (isinstance(obj, Complaint) and obj.assigned_to_id == user.pk)
    ),
}


def register() -> None:
    policy.SCOPES.update(
        {
            Inspection: inspections,
            InspectionPlan: plans,
            ChecklistAnswer: checklist_answers,
            Evidence: evidence,
            Finding: lambda user: Finding.objects.filter(inspection__in=inspections(user)),
            CorrectiveAction: lambda user: CorrectiveAction.objects.filter(
                finding__inspection__in=inspections(user)
            ),
            InspectionEvent: lambda user: InspectionEvent.objects.filter(
                inspection__in=inspections(user)
            ),
            InspectionSuspension: lambda user: InspectionSuspension.objects.filter(
                inspection__in=inspections(user)
            ),
            TeamMember: lambda user: TeamMember.objects.filter(inspection__in=inspections(user)),
            Complaint: complaints,
            ComplaintAttachment: lambda user: ComplaintAttachment.objects.filter(
                complaint__in=complaints(user)
            ),
            ComplaintEvent: lambda user: ComplaintEvent.objects.filter(
                complaint__in=complaints(user)
            ),
        }
    )
    policy.RULES.update(RULES)
