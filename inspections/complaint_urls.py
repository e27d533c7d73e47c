"""The complaints' pages, included by ``inspections.urls`` (``app_name = "inspections"``)."""

from django.urls import path

from . import complaint_views

urlpatterns = [
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/received/", complaint_views.complaint_filed, name="complaint_filed"),
    path("complaints/track/", complaint_views.complaint_track, name="complaint_track"),
    path("complaints/", complaint_views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint_detail"),
    path(
        "complaints/<int:pk>/files/<int:attachment_pk>/",
        complaint_views.complaint_attachment,
        name="complaint_attachment",
    ),
]
