from django.contrib import admin

from .models import ChecklistAnswer, ChecklistQuestion, ChecklistTemplate


def _answered(template) -> bool:
    return (
        template is not None
        and ChecklistAnswer.objects.filter(question__template=template).exists()
    )


class ChecklistQuestionInline(admin.TabularInline):
    model = ChecklistQuestion
    extra = 0
    fields = ["order", "scope", "text", "reference"]

    # Once an inspection has answered the template, its questions are a record: they are
    # read, never rewritten, added to or removed. A changed checklist is a new template.
    def get_readonly_fields(self, request, obj=None):
        return self.fields if _answered(obj) else []

    def has_add_permission(self, request, obj=None):
        return not _answered(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _answered(obj) and super().has_delete_permission(request, obj)


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """The Department's checklists. A template an inspection has answered is kept as it
    was: a changed checklist is a new template, and the old one is taken out of use.
    Inspections, findings and complaints change only through the portal's pages, which
    record every step."""

    list_display = ["title", "version", "is_active", "created_at"]
    list_filter = ["is_active"]
    inlines = [ChecklistQuestionInline]
