from django.urls import path

from . import (
    activation_views,
    answer_views,
    audit_views,
    outbox_views,
    parent_views,
    risk_views,
    views,
)

app_name = "schools"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_list, name="unit_list"),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("outbox/", outbox_views.outbox_list, name="outbox_list"),
    path("outbox/<int:pk>/retry/", outbox_views.outbox_retry, name="outbox_retry"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/import/", views.school_import, name="school_import"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/students/", views.student_list, name="student_list"),
    path("schools/<int:pk>/students/import/", views.student_import, name="student_import"),
    path("schools/<int:pk>/results/import/", views.result_import, name="results_import"),
    path("schools/<int:pk>/staff/", views.staff_list, name="staff_list"),
    path("schools/<int:pk>/timetable/", views.timetable, name="timetable"),
    path("schools/<int:pk>/parents/", activation_views.parent_accounts, name="parent_accounts"),
    path(
        "schools/<int:pk>/parents/codes/",
        activation_views.parent_codes_issue,
        name="parent_codes_issue",
    ),
    path(
        "schools/<int:pk>/parents/<int:guardian_pk>/send/",
        activation_views.parent_link_send,
        name="parent_link_send",
    ),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("enrolments/<int:pk>/consent/", views.consent_paper, name="consent_paper"),
    path("risk/", risk_views.risk_list, name="risk"),
    path("activities/<int:pk>/answers/", answer_views.answers, name="activity_answers"),
    path("activities/<int:pk>/remind/", answer_views.remind, name="activity_remind"),
    path("activities/<int:pk>/answers.<slug:fmt>", answer_views.export, name="activity_export"),
    path("children/<int:pk>/", parent_views.child, name="child"),
    path("children/<int:pk>/decide/<int:activity_pk>/", parent_views.decide, name="consent_decide"),
    path("children/<int:pk>/done/", parent_views.done, name="consent_done"),
    # A parent's personal link, without an account (signed, expiring).
    path("c/<str:token>/", parent_views.link_child, name="link_child"),
    path(
        "c/<str:token>/decide/<int:activity_pk>/",
        parent_views.link_decide,
        name="link_decide",
    ),
    path("c/<str:token>/done/", parent_views.link_done, name="link_done"),
    # A parent opens their account with the school's code, or with the e-mailed link.
    path("activate/", activation_views.activate, name="activate"),
    path("activate/<str:token>/", activation_views.activate, name="activate_link"),
]
