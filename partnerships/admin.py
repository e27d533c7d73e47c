from django.contrib import admin

from .models import FeePolicy


@admin.register(FeePolicy)
class FeePolicyAdmin(admin.ModelAdmin):
    """The Department's fee parameters: a new version with the date it takes effect. The
    registry and the programmes themselves change only through the portal's pages, which
    record every decision."""

    list_display = ["in_force_from", "student_monthly_total", "far_above_median"]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
