from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import twofactor
from .models import AuditEvent, User
from .reauth import RecentAuthenticationAdminMixin, confirm_redirect, is_recent


@admin.register(User)
class UserAdmin(RecentAuthenticationAdminMixin, BaseUserAdmin):
    """Roles, staff status and groups are granted here: the forms ask for a recent
    authentication (accounts/reauth.py), and so does setting another user's password."""

    list_display = ["username", "full_name", "email", "phone", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "phone")}),
        (_("Role"), {"fields": ("role", "position")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def user_change_password(self, request, id, form_url=""):
        if not is_recent(request):
            return confirm_redirect(request)
        return super().user_change_password(request, id, form_url)


# A group's permissions are granted to all its members: the same confirmation.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(RecentAuthenticationAdminMixin, BaseGroupAdmin):
    pass


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Two-step verification devices: django-otp's own admin shows a device's secret (its QR
# code and key) and the backup codes. Here an administrator only sees who has turned it on
# and can turn it off for someone who lost their phone (the backup codes go with it).
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(RecentAuthenticationAdminMixin, admin.ModelAdmin):
    list_display = ["user", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        twofactor.two_factor_remove(actor=request.user, user=obj.user)
