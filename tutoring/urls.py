from django.urls import path

from . import compliance_views, views

app_name = "tutoring"

urlpatterns = [
    path("schools/<int:pk>/tutoring/", views.class_list, name="class_list"),
    path("schools/<int:pk>/tutoring/new/", views.class_create, name="class_create"),
    path("schools/<int:pk>/tutoring/check/", views.class_check, name="class_check"),
    path("tutoring/<int:pk>/", views.class_detail, name="class_detail"),
    path("tutoring/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("tutoring/<int:pk>/roster/add/", views.roster_add, name="roster_add"),
    path("tutoring/<int:pk>/do/<slug:action>/", views.class_transition, name="class_transition"),
    path("enrolments/<int:pk>/consent/", views.consent_paper, name="consent_paper"),
    path("tutoring/breaches/", compliance_views.breaches, name="breaches"),
]
