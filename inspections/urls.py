from django.urls import path

from . import views
from .complaint_urls import urlpatterns as complaint_urlpatterns

app_name = "inspections"

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_form, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", views.inspection_form, name="inspection_edit"),
    path(
        "inspections/<int:pk>/do/<slug:name>/",
        views.inspection_transition,
        name="inspection_transition",
    ),
    path("inspections/<int:pk>/conclude/", views.inspection_conclude, name="inspection_conclude"),
    path("inspections/<int:pk>/conclusion/", views.conclusion_print, name="conclusion_print"),
    path("inspections/<int:pk>/suspend/", views.inspection_suspend, name="inspection_suspend"),
    path("inspections/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("inspections/<int:pk>/findings/new/", views.finding_new, name="finding_new"),
    path("inspections/plans/", views.plan_list, name="plan_list"),
    path("inspections/plans/new/", views.plan_form, name="plan_new"),
    path("inspections/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("inspections/plans/<int:pk>/edit/", views.plan_form, name="plan_edit"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding_edit"),
    path("corrective-actions/", views.action_list, name="action_list"),
    path("corrective-actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
] + complaint_urlpatterns
