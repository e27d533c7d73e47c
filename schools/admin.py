"""The Django admin, scoped by the same policy as every other page: a change form of an
object outside the user's scope answers 404."""

import contextlib

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404

from accounts.models import Role
from accounts.reauth import RecentAuthenticationAdminMixin

from . import policy
from .models import (
    Activity,
    ActivityEvent,
    ActivitySlot,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    Guardian,
    Guardianship,
    ImportBatch,
    MainSession,
    School,
    SchoolUserObjectPermission,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
    SubjectResult,
    TeachingAssignment,
    Term,
    UnitUserObjectPermission,
)

# Which accounts each user field may point to; never a superuser.
USER_CHOICES = {
    ("school", "head"): Q(role=Role.PRINCIPAL),
    ("guardian", "user"): Q(role=Role.PARENT),
    ("staffmember", "user"): Q(role__in=[Role.PRINCIPAL, Role.STAFF]),
}


class ScopedForeignKeys:
    """Every choice a form offers comes from the policy: a related school, student or unit
    outside the user's scope cannot be picked, nor a user account of the wrong kind."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is get_user_model():
            condition = USER_CHOICES.get((db_field.model._meta.model_name, db_field.name), Q())
            kwargs["queryset"] = related.objects.filter(condition, is_superuser=False)
        else:
            # A model the policy does not scope keeps its default.
            with contextlib.suppress(LookupError):
                kwargs["queryset"] = policy.visible(request.user, related)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdmin(ScopedForeignKeys, admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def scope(self, request):
        return policy.visible(request.user, self.model)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=self.scope(request).values("pk"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class ReadOnlyAdmin(ScopedAdmin):
    """Records that change only through the portal's own actions (which check the rules and
    keep the history): the admin shows them and nothing more."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["level"]
    list_select_related = ["parent", "successor"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "successor"]

    def get_readonly_fields(self, request, obj=None):
        # The code and the parent make the path every scope is matched on: once a unit
        # exists they change only through a reorganisation, not an edit.
        return ["code", "parent"] if obj is not None else []


@admin.register(School)
class SchoolAdmin(ScopedAdmin):
    list_display = ["moet_code", "name", "level", "ownership", "unit", "head", "is_active"]
    list_filter = ["level", "ownership", "is_active"]
    search_fields = ["moet_code", "name"]
    list_select_related = ["unit", "head"]
    raw_id_fields = ["unit", "head", "merged_into"]


class TermInline(ScopedForeignKeys, admin.TabularInline):
    model = Term
    extra = 0


@admin.register(SchoolYear)
class SchoolYearAdmin(ScopedAdmin):
    list_display = ["name", "start", "end"]
    inlines = [TermInline]


@admin.register(Subject)
class SubjectAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class GuardianshipInline(ScopedForeignKeys, admin.TabularInline):
    model = Guardianship
    extra = 0
    raw_id_fields = ["guardian", "student"]


@admin.register(Student)
class StudentAdmin(ScopedAdmin):
    list_display = [
        "national_id",
        "full_name",
        "date_of_birth",
        "grade",
        "homeroom",
        "school",
        "status",
    ]
    list_filter = ["status", "grade"]
    search_fields = ["national_id", "full_name"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]
    inlines = [GuardianshipInline]


@admin.register(Guardian)
class GuardianAdmin(ScopedAdmin):
    list_display = ["full_name", "phone", "email", "user"]
    list_select_related = ["user"]
    search_fields = ["full_name", "phone", "email"]
    raw_id_fields = ["user"]
    inlines = [GuardianshipInline]


@admin.register(StaffMember)
class StaffMemberAdmin(ScopedAdmin):
    list_display = ["user", "school", "position", "staff_code", "is_active"]
    search_fields = ["user__full_name", "staff_code"]
    list_select_related = ["user", "school"]
    raw_id_fields = ["user", "school"]


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(ScopedAdmin):
    list_display = ["staff", "school_year", "subject", "homeroom", "is_homeroom_teacher"]
    list_select_related = ["staff__user", "staff__school", "school_year", "subject"]
    raw_id_fields = ["staff"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "school", "file_name", "outcome", "rows", "created", "updated"]
    list_select_related = ["school"]
    list_filter = ["kind", "outcome"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]


@admin.register(SchoolUserObjectPermission)
class SchoolScopeAdmin(RecentAuthenticationAdminMixin, ScopedAdmin):
    """Who heads or works in which school (django-guardian's table). Granting a scope asks
    for a recent authentication."""

    list_display = ["user", "permission", "content_object"]
    list_select_related = ["user", "permission", "content_object"]
    raw_id_fields = ["user", "content_object"]

    def scope(self, request):
        schools = policy.visible(request.user, School)
        return self.model.objects.filter(content_object__in=schools)


@admin.register(UnitUserObjectPermission)
class UnitScopeAdmin(RecentAuthenticationAdminMixin, ScopedAdmin):
    """Who oversees which administrative unit (django-guardian's table). Granting a scope
    asks for a recent authentication."""

    list_display = ["user", "permission", "content_object"]
    list_select_related = ["user", "permission", "content_object"]
    raw_id_fields = ["user", "content_object"]

    def scope(self, request):
        units = policy.visible(request.user, AdministrativeUnit)
        return self.model.objects.filter(content_object__in=units)


@admin.register(MainSession)
class MainSessionAdmin(ScopedAdmin):
    list_display = ["school", "weekday", "start", "end"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]


@admin.register(SubjectResult)
class SubjectResultAdmin(ScopedAdmin):
    list_display = ["student", "subject", "term", "achieved"]
    list_select_related = ["student", "subject", "term__school_year"]
    raw_id_fields = ["student"]


class ActivitySlotInline(admin.TabularInline):
    model = ActivitySlot
    extra = 0


class ActivityEventInline(admin.TabularInline):
    model = ActivityEvent
    extra = 0


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "school", "status", "start_date", "end_date", "monthly_fee"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    list_select_related = ["school"]
    inlines = [ActivitySlotInline, ActivityEventInline]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["student", "activity", "basis", "status", "created_at"]
    list_filter = ["status", "basis"]
    list_select_related = ["student", "activity"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "enrollment", "kind", "channel", "guardian", "actor"]
    list_filter = ["kind", "channel"]
    list_select_related = ["enrollment__student", "enrollment__activity", "guardian", "actor"]
