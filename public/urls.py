from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from reports import public_views as verify_views

from . import views
from .sitemaps import SITEMAPS

app_name = "public"

urlpatterns = [
    path("", views.search, name="search"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("rights/", views.rights_page, name="rights"),
    path("rights/edit/", views.rights_edit, name="rights_edit"),
    path("open-data/", views.open_data, name="open_data"),
    path(
        "open-data/v1/<slug:dataset>.<slug:fmt>",
        views.open_data_file,
        name="open_data_file",
    ),
    path("verify/", verify_views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", verify_views.verify, name="verify"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "public:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
