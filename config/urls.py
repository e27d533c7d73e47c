from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from config import health
from public import views as public_views

admin.site.site_header = _("Tutoring and partnerships portal")
admin.site.site_title = _("Administration")

urlpatterns = [
    path("", include("schools.urls")),
    path("", include("tutoring.urls")),
    path("", include("partnerships.urls")),
    path("", include("inspections.urls")),
    path("", include("reports.urls")),
    path("accounts/", include("accounts.urls")),
    path("public/", include("public.urls")),
    path("robots.txt", public_views.robots, name="robots"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
