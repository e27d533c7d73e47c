from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("schools/<int:pk>/", public_views.school, name="school"),
]
