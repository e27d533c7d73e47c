from django.contrib import admin

from schools import policy
from schools.admin import ActivityEventInline, ActivitySlotInline, ReadOnlyAdmin, ScopedAdmin

from .models import CapException, OutsideTutoringDeclaration, RulePolicy, TutoringClass


@admin.register(RulePolicy)
class RulePolicyAdmin(admin.ModelAdmin):
    """Versions of the rules: the Department adds a version with the date it takes effect;
    classes are checked against the version in force on their start date."""

    list_display = [
        "name",
        "legal_reference",
        "in_force_from",
        "weekly_period_cap",
        "class_size_limit",
    ]


@admin.register(TutoringClass)
class TutoringClassAdmin(ReadOnlyAdmin):
    list_display = ["title", "school", "subject", "grade", "category", "status"]
    list_filter = ["status", "category", "grade"]
    search_fields = ["title"]
    list_select_related = ["school", "subject"]
    inlines = [ActivitySlotInline, ActivityEventInline]


@admin.register(CapException)
class CapExceptionAdmin(ScopedAdmin):
    list_display = ["tutoring_class", "decision_number", "decided_on", "periods_allowed"]
    raw_id_fields = ["tutoring_class"]

    def scope(self, request):
        return CapException.objects.filter(
            tutoring_class__in=policy.visible(request.user, TutoringClass)
        )


@admin.register(OutsideTutoringDeclaration)
class OutsideTutoringDeclarationAdmin(ReadOnlyAdmin):
    """Declarations change only through the portal (submitted, acknowledged, superseded)."""

    list_display = ["teacher", "establishment_name", "subject", "school_year", "status"]
    list_filter = ["status", "form", "published"]
    search_fields = ["establishment_name", "establishment_registration"]
    list_select_related = ["teacher__user", "teacher__school", "subject", "school_year"]
    raw_id_fields = ["teacher", "replaces", "acknowledged_by"]
