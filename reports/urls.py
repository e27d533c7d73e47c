from django.urls import path

from . import dashboard_views, views

app_name = "reports"

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("reports/", views.job_list, name="job_list"),
    path("reports/<int:pk>/", views.job_detail, name="job_detail"),
    path("reports/<int:pk>/download/", views.job_download, name="job_download"),
    path("reports/<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("inspections/<int:pk>/official-pdf/", views.conclusion_pdf, name="conclusion_pdf"),
]
