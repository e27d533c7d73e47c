from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# Not namespaced: Django's password-reset views and e-mails reverse these names directly.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("confirm/", views.reauthenticate, name="reauth"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path(
        "two-factor/backup-codes/",
        views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path(
        "two-factor/backup-codes/new/",
        views.two_factor_backup_codes_new,
        name="two_factor_backup_codes_new",
    ),
    path("two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
