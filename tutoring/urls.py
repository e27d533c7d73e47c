from django.urls import path

from . import compliance_views, declaration_views, views

app_name = "tutoring"

urlpatterns = [
    path("schools/<int:pk>/tutoring/", views.class_list, name="class_list"),
    path("schools/<int:pk>/tutoring/new/", views.class_create, name="class_create"),
    path("schools/<int:pk>/tutoring/check/", views.class_check, name="class_check"),
    path("tutoring/<int:pk>/", views.class_detail, name="class_detail"),
    path("tutoring/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("tutoring/<int:pk>/roster/add/", views.roster_add, name="roster_add"),
    path("tutoring/<int:pk>/do/<slug:action>/", views.class_transition, name="class_transition"),
    path("tutoring/breaches/", compliance_views.breaches, name="breaches"),
    path(
        "schools/<int:pk>/outside-tutoring/",
        declaration_views.declaration_school_list,
        name="declaration_school_list",
    ),
    path(
        "schools/<int:pk>/outside-tutoring/declare/",
        declaration_views.declaration_create,
        name="declaration_create",
    ),
    path(
        "schools/<int:pk>/outside-tutoring/publish/",
        declaration_views.declaration_publish,
        name="declaration_publish",
    ),
    path(
        "outside-tutoring/", declaration_views.declaration_area_list, name="declaration_area_list"
    ),
    path(
        "outside-tutoring/<int:pk>/",
        declaration_views.declaration_detail,
        name="declaration_detail",
    ),
    path(
        "outside-tutoring/<int:pk>/acknowledge/",
        declaration_views.declaration_acknowledge,
        name="declaration_acknowledge",
    ),
]
