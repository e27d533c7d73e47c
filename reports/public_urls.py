from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("schools/<int:pk>/", public_views.school, name="school"),
    path("verify/", public_views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", public_views.verify, name="verify"),
]
