from django.contrib import admin

from .models import ChecklistQuestion, ChecklistTemplate


class ChecklistQuestionInline(admin.TabularInline):
    model = ChecklistQuestion
    extra = 0
    fields = ["order", "scope", "text", "reference"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """The Department's checklists. A question already answered in an inspection cannot be
    deleted (the database protects it): a changed checklist is a new template, and the old
    one is taken out of use. Inspections, findings and complaints change only through the
    portal's pages, which record every step."""

    list_display = ["title", "version", "is_active", "created_at"]
    list_filter = ["is_active"]
    inlines = [ChecklistQuestionInline]
