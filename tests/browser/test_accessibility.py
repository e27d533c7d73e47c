"""Accessibility: axe-core's WCAG 2.1 A and AA rules find no serious or critical violation
on the public pages, seen by an anonymous visitor on a desktop and on a 360-px phone."""

import pytest
from django.urls import reverse

from partnerships.models import Programme
from schools.models import Activity, School
from tutoring.models import TutoringClass


def public_school_url():
    """A demo school whose public page lists both approved programmes and tutoring
    classes, so the check covers those tables too."""
    with_programmes = Programme.objects.filter(status=Activity.Status.APPROVED).values("school")
    with_classes = TutoringClass.objects.filter(
        status__in=[Activity.Status.OPEN, Activity.Status.SUSPENDED]
    ).values("school")
    school = (
        School.objects.filter(pk__in=with_programmes)
        .filter(pk__in=with_classes)
        .order_by("pk")
        .first()
    )
    assert school is not None, "the demo data has no school with programmes and classes"
    return reverse("public:school", args=[school.pk])


def public_programme_url():
    """The dearest language programme: its page compares its fee with the area's."""
    programme = (
        Programme.objects.filter(status=Activity.Status.APPROVED, programme_kind="language")
        .order_by("-monthly_fee", "pk")
        .first()
    )
    return reverse("public:programme", args=[programme.pk])


# (label, a function returning the URL, called once the demo data exists). One line per
# public page.
PUBLIC_PAGES = [
    ("public-search", lambda: reverse("public:search") + "?q=hong+bang"),
    ("public-school", public_school_url),
    ("public-programme", public_programme_url),
    ("rights", lambda: reverse("public:rights")),
    ("open-data", lambda: reverse("public:open_data")),
    ("complaint-new", lambda: reverse("inspections:complaint_new")),
    ("complaint-track", lambda: reverse("inspections:complaint_track")),
    ("verify-lookup", lambda: reverse("public:verify_lookup")),
    ("login", lambda: reverse("login")),
]


def check_page(page, url, label, axe, screenshot):
    response = page.goto(url)
    assert response.status == 200, f"{label}: {url} answered {response.status}"
    screenshot(page, f"a11y-{label}")
    axe(page, label)
    # Nothing wider than the screen: no sideways scrolling (WCAG 1.4.10, reflow).
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, label


@pytest.mark.parametrize(("label", "url"), PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_has_no_serious_accessibility_violation(
    demo_city, page, axe, screenshot, label, url
):
    check_page(page, url(), label, axe, screenshot)


@pytest.mark.parametrize(("label", "url"), PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_on_a_phone_has_no_serious_accessibility_violation(
    demo_city, phone_page, axe, screenshot, label, url
):
    check_page(phone_page, url(), f"{label}-phone", axe, screenshot)
