from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import twofactor
from accounts.models import Role

from . import policy


def navigation(request):
    """The menu of the signed-in user's role, each entry a (label, url) pair."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # What the public may read, and the way in for everyone else.
        return {
            "nav": [
                (_("Find a school"), reverse("public:search")),
                (_("Your rights"), reverse("public:rights")),
                (_("File a complaint"), reverse("inspections:complaint_new")),
                (_("Follow a complaint"), reverse("inspections:complaint_track")),
                (_("Open data"), reverse("public:open_data")),
                (_("Sign in"), reverse("login")),
            ]
        }
    if twofactor.is_pending(user):
        # Nothing else opens until two-step verification is set up: no menu to lead there.
        return {"nav": []}
    nav = [(_("Home"), reverse("schools:home"))]
    if policy.can(user, "report.dashboard"):
        nav.append((_("Dashboard"), reverse("reports:dashboard")))
    if policy.can(user, "report.request"):
        nav.append((_("Reports"), reverse("reports:job_list")))
    if user.role in policy.UNIT_ROLES or user.is_superuser:
        nav.append((_("Schools"), reverse("schools:school_list")))
    if policy.can(user, "units.view"):
        nav.append((_("Administrative units"), reverse("schools:unit_list")))
    if policy.can(user, "schools.import"):
        nav.append((_("Import schools"), reverse("schools:school_import")))
    if policy.can(user, "rights.edit"):
        nav.append((_("Rights page"), reverse("public:rights_edit")))
    if policy.can(user, "audit.view"):
        nav.append((_("Audit log"), reverse("schools:audit_list")))
    if policy.can(user, "outbox.view"):
        nav.append((_("E-mail outbox"), reverse("schools:outbox_list")))
    if user.role in policy.SCHOOL_ROLES:
        school = policy.own_school_id(user)
        if school is not None:
            nav.append((_("My school"), reverse("schools:school_detail", args=[school])))
            nav.append((_("Students"), reverse("schools:student_list", args=[school])))
            parents = reverse("schools:parent_accounts", args=[school])
            nav.append((_("Parent accounts"), parents))
            nav.append((_("Tutoring classes"), reverse("tutoring:class_list", args=[school])))
            programmes = reverse("partnerships:programme_list", args=[school])
            nav.append((_("Linked programmes"), programmes))
            outside = reverse("tutoring:declaration_school_list", args=[school])
            nav.append((_("Outside tutoring"), outside))
            if user.role == Role.PRINCIPAL:
                nav.append(
                    (_("Import students"), reverse("schools:student_import", args=[school]))
                )
    if user.role in (Role.PRINCIPAL, *policy.UNIT_ROLES):
        nav.append((_("Rule breaches"), reverse("tutoring:breaches")))
    if policy.can(user, "activity.view_risk"):
        nav.append((_("Signs of coercion"), reverse("schools:risk")))
    if user.role in (Role.COMMITTEE, Role.DEPARTMENT):
        nav.append((_("Outside tutoring"), reverse("tutoring:declaration_area_list")))
    if user.role in policy.UNIT_ROLES:
        nav.append((_("Linked programmes"), reverse("partnerships:programme_area_list")))
    if policy.can(user, "programme.compare_fees"):
        nav.append((_("Fee comparison"), reverse("partnerships:fee_comparison")))
    if policy.can(user, "partner.view"):
        nav.append((_("Partners"), reverse("partnerships:partner_list")))
    if policy.can(user, "inspection.list"):
        nav.append((_("Inspections"), reverse("inspections:inspection_list")))
    if policy.can(user, "complaint.queue"):
        nav.append((_("Complaints"), reverse("inspections:complaint_list")))
    if user.is_staff:
        nav.append((_("Administration"), reverse("admin:index")))
    return {"nav": nav}
