from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Programme
from schools.models import School

from .views import PROGRAMME_STATUSES


class PagesSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return ["public:search", "public:rights", "public:open_data"]

    def location(self, item):
        return reverse(item)


class SchoolSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return School.objects.filter(is_active=True).only("pk", "updated_at").order_by("pk")

    def location(self, school):
        return reverse("public:school", args=[school.pk])

    def lastmod(self, school):
        return school.updated_at


class ProgrammeSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return (
            Programme.objects.filter(
                status__in=PROGRAMME_STATUSES,
                school__is_active=True,
                end_date__gte=timezone.localdate(),
            )
            .only("pk", "updated_at")
            .order_by("pk")
        )

    def location(self, programme):
        return reverse("public:programme", args=[programme.pk])

    def lastmod(self, programme):
        return programme.updated_at


SITEMAPS = {"pages": PagesSitemap, "schools": SchoolSitemap, "programmes": ProgrammeSitemap}
