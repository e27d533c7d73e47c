from django.urls import path

from . import partner_views, views

app_name = "partnerships"

urlpatterns = [
    path("schools/<int:pk>/programmes/", views.programme_list, name="programme_list"),
    path("schools/<int:pk>/programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/", views.programme_area_list, name="programme_area_list"),
    path("programmes/fees/", views.fee_comparison, name="fee_comparison"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/roster/add/", views.roster_add, name="roster_add"),
    path(
        "programmes/<int:pk>/do/<slug:action>/",
        views.programme_transition,
        name="programme_transition",
    ),
    path(
        "programmes/<int:pk>/documents/<int:document_pk>/",
        views.programme_document,
        name="programme_document",
    ),
    path("partners/", partner_views.partner_list, name="partner_list"),
    path("partners/new/", partner_views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", partner_views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", partner_views.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/status/", partner_views.partner_status, name="partner_status"),
    path("partners/<int:pk>/licences/new/", partner_views.licence_add, name="licence_add"),
    path(
        "partners/<int:pk>/documents/new/",
        partner_views.partner_document_add,
        name="partner_document_add",
    ),
    path(
        "partners/<int:pk>/documents/<int:document_pk>/",
        partner_views.partner_document,
        name="partner_document",
    ),
]
