from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_list, name="unit_list"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/import/", views.school_import, name="school_import"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/students/", views.student_list, name="student_list"),
    path("schools/<int:pk>/students/import/", views.student_import, name="student_import"),
    path("schools/<int:pk>/results/import/", views.result_import, name="results_import"),
    path("schools/<int:pk>/staff/", views.staff_list, name="staff_list"),
    path("schools/<int:pk>/timetable/", views.timetable, name="timetable"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("enrolments/<int:pk>/consent/", views.consent_paper, name="consent_paper"),
]
