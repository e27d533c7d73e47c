"""The dashboards (reports:dashboard): each role sees the figures of its own scope and no
other's, narrows them by area and level, chooses a period (bad input gets the form back with
the field's error, never a server error), and every figure links to the list behind it, which
opens for that user. The page's query count does not grow with the number of schools."""

import datetime
import html
import re
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Role
from inspections import complaints
from inspections.models import Complaint
from reports import figures
from schools.models import SchoolLevel, SchoolYear

from .conftest import _programme, client_for
from .factories import SchoolFactory, UnitFactory, UserFactory

URL = reverse("reports:dashboard")
TZ = timezone.get_default_timezone()


def _programmes_in(world, school, n):
    """``n`` approved programmes in ``school`` (nobody on their rosters)."""
    return [
        _programme(school, world.year, world.partner, world.department, None, None)
        for _ in range(n)
    ]


FILED_ON = datetime.date(2026, 10, 15)  # within the world's school year 2026-2027


def _complaint(school):
    """A complaint about ``school`` about fees, filed on FILED_ON."""
    complaint = complaints.complaint_file(
        school=school,
        activity=None,
        category=Complaint.Category.FEES,
        description="Nhà trường thu thêm tiền học liên kết không có trong thông báo.",
        is_anonymous=True,
        ip=None,
    )
    filed = datetime.datetime.combine(FILED_ON, datetime.time(10), tzinfo=TZ)
    Complaint.objects.filter(pk=complaint.pk).update(submitted_at=filed)
    return complaint


def _get(user, **query):
    return client_for(user).get(URL, query)


def _hrefs(response) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'href="([^"]+)"', response.content.decode())}


def _card(response, key):
    return next(card for card in response.context["cards"] if card.key == key)


def _figure_links(response) -> set[str]:
    """The addresses the page gives its figures: cards, charts and the rows beside them."""
    links = {card.url for card in response.context["cards"]}
    links |= {url for card in response.context["cards"] for _text, url in card.notes}
    for chart in response.context["charts"]:
        links.add(chart.get("url"))
        links |= {url for _row, url in chart.get("kinds", []) + chart.get("categories", [])}
    return links - {None}


# --- Who may see it, and what --------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(world):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.STAFF, Role.PARENT, Role.INSPECTOR])
def test_roles_without_dashboards_are_refused(world, role):
    assert _get(world.users[role]).status_code == 403


def test_the_page_answers_get_only(world):
    assert client_for(world.department).post(URL).status_code == 405


def test_the_department_sees_its_whole_city_and_nothing_outside_it(world):
    _programmes_in(world, world.school_b, 3)
    response = _get(world.department)
    assert response.status_code == 200
    total = response.context["figures"].total
    # school_a, school_b and upper_a; school_far lies in another province.
    assert total.schools == 3
    assert total.programmes == 1 + 3  # programme_a and school_b's; not programme_far
    assert total.classes == 1  # class_a (the draft does not count; class_far is outside)
    assert _card(response, "programmes").value == "4"
    areas = {row.label: row.programmes for row, _url in response.context["by_area"]}
    assert areas == {world.area_a.name: 1, world.area_b.name: 3}
    assert world.area_far.name not in response.content.decode()


def test_a_committee_sees_its_area_and_not_another_areas_schools(world):
    _programmes_in(world, world.school_b, 3)
    _complaint(world.school_b)
    _complaint(world.school_a)
    response = _get(world.committee)
    assert response.status_code == 200
    total = response.context["figures"].total
    assert total.schools == 2  # school_a and upper_a
    assert total.programmes == 1
    assert total.complaints_open == 1  # school_a's; not school_b's
    assert _card(response, "complaints_open").value == "1"
    page = response.content.decode()
    assert world.area_b.name not in page and world.school_b.name not in page
    assert "by_area" not in response.context  # one area: the total says it all
    levels = {row.key for row, _url in response.context["by_level"]}
    assert levels == {SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY}


def test_a_principal_sees_their_school_alone_without_breakdowns(world):
    _programmes_in(world, world.school_b, 3)
    _programmes_in(world, world.upper_a, 2)
    response = _get(world.principal)
    assert response.status_code == 200
    assert response.context["figures"].total.programmes == 1
    assert response.context["scope_label"] == world.school_a.name
    assert "by_area" not in response.context and "by_level" not in response.context
    assert "schools" not in {card.key for card in response.context["cards"]}
    # The complaints about a school are its authority's: no card, no chart, no link.
    keys = {card.key for card in response.context["cards"]}
    assert not keys & {"complaints_open", "complaints_closed"}
    assert "complaints" not in {chart["key"] for chart in response.context["charts"]}
    queue = reverse("inspections:complaint_list")
    assert not any(h.split("?")[0] == queue for h in _hrefs(response))


def test_the_page_draws_its_charts_as_inline_svg(world):
    page = _get(world.department).content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4
    assert " style=" not in page.split("<main", 1)[1]  # the CSP refuses inline styles


def test_a_superuser_sees_every_school(world):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = _get(admin)
    assert response.status_code == 200
    assert response.context["figures"].total.schools == 4  # school_far too
    assert response.context["figures"].total.programmes == 2


# --- Narrowing to an area and a level -------------------------------------------------------


def test_an_area_row_leads_to_the_dashboard_of_that_area(world):
    _programmes_in(world, world.school_b, 3)
    response = _get(world.department)
    url = {row.key: url for row, url in response.context["by_area"]}[world.area_b.pk]
    narrowed = client_for(world.department).get(url)
    assert narrowed.status_code == 200
    assert narrowed.context["scope"].area == world.area_b
    assert narrowed.context["figures"].total.programmes == 3
    assert narrowed.context["figures"].total.schools == 1


def test_the_department_narrowed_to_area_a_sees_what_area_a_committee_sees(world):
    department = _get(world.department, area=world.area_a.pk).context["figures"].total
    committee = _get(world.committee).context["figures"].total
    assert (department.schools, department.programmes, department.classes) == (
        committee.schools,
        committee.programmes,
        committee.classes,
    )


def test_a_level_narrows_the_schools_counted(world):
    response = _get(world.department, level=SchoolLevel.UPPER_SECONDARY)
    assert response.status_code == 200
    assert response.context["figures"].total.schools == 1  # upper_a
    assert response.context["figures"].total.programmes == 0
    assert f"level={SchoolLevel.UPPER_SECONDARY}" in _card(response, "schools").url


def test_an_unknown_level_is_ignored(world):
    response = _get(world.department, level="university")
    assert response.status_code == 200
    assert response.context["figures"].total.schools == 3


@pytest.mark.parametrize("area", ["area_b", "area_far", "garbage", "99999999999"])
def test_an_area_outside_the_scope_does_not_exist(world, area):
    value = getattr(world, area).pk if area.startswith("area_") else area
    assert _get(world.committee, area=value).status_code == 404


def test_the_department_cannot_look_into_another_province(world):
    assert _get(world.department, area=world.area_far.pk).status_code == 404


# --- The period --------------------------------------------------------------------------


def test_the_default_period_is_the_current_school_year(world):
    response = _get(world.department)
    assert response.context["period"] == figures.default_period()
    assert not response.context["form"].errors


def test_a_date_range_counts_only_what_happened_in_it(world):
    _complaint(world.school_a)  # handled by area A's committee
    year, day = world.year.pk, datetime.timedelta(days=1)

    def complaints_between(start, end):
        response = _get(world.committee, year=year, date_from=start, date_to=end)
        assert response.context["period"].date_from == start
        assert response.context["period"].date_to == end
        return response.context["figures"].total.complaints_open

    assert complaints_between(world.year.start, world.year.end) == 1
    assert complaints_between(FILED_ON, FILED_ON) == 1
    assert complaints_between(world.year.start, FILED_ON - day) == 0
    assert complaints_between(FILED_ON + day, world.year.end) == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2020-01-01"}, "date_from"),
        ({"date_to": "2030-12-31"}, "date_to"),
        ({"date_from": "2027-01-10", "date_to": "2026-12-01"}, "date_to"),
        ({"date_from": "not a date"}, "date_from"),
        ({"year": "abc"}, "year"),
        ({"year": "99999"}, "year"),
    ],
)
def test_a_bad_period_gets_the_form_back_with_the_fields_error(world, query, field):
    response = _get(world.department, **query)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert html.escape(form.errors[field][0]) in response.content.decode()
    # The figures are those of the default period meanwhile.
    assert response.context["period"] == figures.default_period()
    assert response.context["figures"].total.programmes == 1


def test_a_range_outside_the_year_names_the_year(world):
    response = _get(world.department, year=world.year.pk, date_from="2020-01-01")
    message = response.context["form"].errors["date_from"][0]
    assert world.year.name in message and "05/09/2026" in message


def test_narrowing_keeps_the_period_chosen(world):
    response = _get(world.department, year=world.year.pk, date_from="2026-10-01")
    for _row, url in response.context["by_area"]:
        assert f"year={world.year.pk}" in url and "date_from=2026-10-01" in url
    assert 'value="2026-10-01"' in response.content.decode()  # the form shows it again


# --- Every figure links to the list behind it ----------------------------------------------


def test_an_authoritys_figures_link_to_its_lists_with_their_filters(world):
    response = _get(world.department)
    hrefs = _hrefs(response)
    assert reverse("schools:school_list") in hrefs
    assert reverse("tutoring:breaches") in hrefs
    assert reverse("schools:risk") in hrefs
    assert reverse("inspections:inspection_list") in hrefs
    assert reverse("inspections:action_list") + "?overdue=on" in hrefs
    assert reverse("inspections:complaint_list") + "?status=open" in hrefs
    assert reverse("inspections:complaint_list") + "?status=closed" in hrefs
    assert reverse("inspections:complaint_list") + "?category=fees" in hrefs
    assert reverse("partnerships:programme_area_list") + "?kind=language" in hrefs
    assert reverse("partnerships:fee_comparison") + f"?year={world.year.pk}" in hrefs


def test_an_area_narrowed_dashboard_links_to_that_areas_schools(world):
    response = _get(world.department, area=world.area_a.pk, level=SchoolLevel.LOWER_SECONDARY)
    url = _card(response, "schools").url
    assert url.startswith(reverse("schools:school_list"))
    assert f"unit={world.area_a.pk}" in url and "level=lower_secondary" in url
    listed = client_for(world.department).get(url)
    assert [s.pk for s in listed.context["page"].object_list] == [world.school_a.pk]


def test_a_principals_figures_link_to_their_schools_own_lists(world):
    school = world.school_a
    response = _get(world.principal)
    assert _card(response, "classes").url == reverse("tutoring:class_list", args=[school.pk])
    assert _card(response, "programmes").url == reverse(
        "partnerships:programme_list", args=[school.pk]
    )
    assert (
        _card(response, "violations").url == reverse("tutoring:breaches") + f"?school={school.pk}"
    )
    assert _card(response, "risk_signals").url == reverse("schools:risk") + f"?school={school.pk}"
    hrefs = _hrefs(response)
    kind = reverse("partnerships:programme_list", args=[school.pk]) + "?kind=language"
    assert kind in hrefs
    assert reverse("partnerships:programme_area_list") not in hrefs  # not a head's list


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.COMMITTEE, Role.PRINCIPAL])
def test_every_figure_link_opens_for_its_user(world, role):
    user = world.users[role]
    response = _get(user)
    links = _figure_links(response)
    assert len(links) >= 8
    client = client_for(user)
    for url in sorted(links):
        assert client.get(url).status_code == 200, url


def test_the_kind_filter_of_a_link_lists_only_that_kind(world):
    response = _get(world.department)
    url = next(url for row, url in response.context["charts"][0]["kinds"] if row.kind == "stem")
    listed = client_for(world.department).get(url)
    assert listed.status_code == 200
    assert list(listed.context["page"].object_list) == []  # programme_a teaches English


# --- Cost ---------------------------------------------------------------------------------


def _queries(user) -> int:
    client = client_for(user)
    client.get(URL)  # warm per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_number_of_schools(world):
    def add_area(n):
        unit = UnitFactory(parent=world.province)
        for _ in range(n):
            school = SchoolFactory(unit=unit)
            _programmes_in(world, school, 1)
            _complaint(school)

    add_area(2)
    few = _queries(world.department)
    add_area(8)
    add_area(5)
    many = _queries(world.department)
    assert many == few
    assert len(_get(world.department).context["by_area"]) == 5  # A, B and the three new


def test_a_portal_without_a_school_year_says_so_rather_than_failing(world):
    with mock.patch.object(
        figures, "default_period", side_effect=SchoolYear.DoesNotExist("no school year")
    ):
        response = _get(world.department)
    assert response.status_code == 200
    message = gettext("No school year is recorded yet: there is nothing to count.")
    assert html.escape(message) in response.content.decode()


# --- Figures kept between requests ----------------------------------------------------------


@pytest.fixture
def kept(settings):
    settings.FIGURES_CACHE_SECONDS = 300
    return settings


def _programmes_count(response) -> int:
    return response.context["figures"].total.programmes


def test_kept_figures_are_shown_with_when_they_were_counted_and_cost_no_counting(world, kept):
    first = _get(world.department)
    assert first.context["computed_at"] is not None
    assert "data-computed-at" in first.content.decode()
    _programmes_in(world, world.school_b, 2)
    with mock.patch.object(figures, "compute", side_effect=AssertionError("counted again")):
        again = _get(world.department)
    assert _programmes_count(again) == _programmes_count(first)
    assert again.context["computed_at"] == first.context["computed_at"]


def test_figures_older_than_the_setting_are_counted_again(world, kept):
    before = _programmes_count(_get(world.department))
    _programmes_in(world, world.school_b, 2)
    later = timezone.now() + datetime.timedelta(seconds=301)
    with mock.patch("schools.kept.timezone.now", return_value=later):
        response = _get(world.department)
    assert _programmes_count(response) == before + 2
    assert response.context["computed_at"] == later


def test_while_one_request_counts_again_the_others_are_shown_the_kept_figures(world, kept):
    before = _programmes_count(_get(world.department))
    _programmes_in(world, world.school_b, 2)
    later = timezone.now() + datetime.timedelta(seconds=301)
    # Another request holds the lock: it is counting them.
    with (
        mock.patch("schools.kept.timezone.now", return_value=later),
        mock.patch("schools.kept.cache.add", return_value=False),
    ):
        response = _get(world.department)
    assert _programmes_count(response) == before


def test_kept_figures_are_each_users_own_and_each_choices_own(world, kept):
    department = _get(world.department)
    committee = _get(world.committee)
    assert department.context["figures"].total.schools == 3
    assert committee.context["figures"].total.schools == 2
    narrowed = _get(world.department, area=world.area_b.pk)
    assert narrowed.context["figures"].total.schools == 1
    english = client_for(world.department)
    english.cookies["django_language"] = "en"
    assert english.get(URL).context["figures"].total.schools == 3


def test_a_setting_of_zero_counts_at_every_request(world):
    before = _programmes_count(_get(world.department))
    _programmes_in(world, world.school_b, 2)
    response = _get(world.department)
    assert _programmes_count(response) == before + 2
    assert response.context["computed_at"] is None
    assert "data-computed-at" not in response.content.decode()


def test_stale_figures_are_shown_at_once_and_counted_again_by_a_worker(world, kept, settings):
    from django_tasks import default_task_backend

    from schools.tasks import recount

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    before = _programmes_count(_get(world.department))
    _programmes_in(world, world.school_b, 2)
    later = timezone.now() + datetime.timedelta(seconds=301)
    with (
        mock.patch("schools.kept.timezone.now", return_value=later),
        mock.patch.object(figures, "compute", side_effect=AssertionError("counted in the request")),
    ):
        stale = _get(world.department)
        again = _get(world.department)  # the recount is queued once
    assert _programmes_count(stale) == _programmes_count(again) == before
    [queued] = default_task_backend.results
    assert queued.task.name == recount.name
    assert queued.args[0] == "reports.dashboard_views.count_figures"
    # The worker runs it: the next request shows what it counted.
    recount.call(*queued.args)
    assert _programmes_count(_get(world.department)) == before + 2


def test_a_worker_counts_nothing_for_an_account_disabled_meanwhile(world, kept):
    from django.core.cache import cache

    from schools.kept import recount

    world.department.is_active = False
    world.department.save()
    year = world.year
    params = {"area": "", "level": "", "year": year.pk, "date_from": year.start.isoformat(),
              "date_to": year.end.isoformat()}
    recount("reports.dashboard_views.count_figures", "k", world.department.pk, params, "vi")
    assert cache.get("k") is None


def test_the_kept_figures_html_is_kept_too_per_language(world, kept):
    from reports import dashboard_views

    first = _get(world.department).content.decode()
    with (
        mock.patch.object(dashboard_views, "headline_cards", side_effect=AssertionError("made")),
        mock.patch.object(dashboard_views, "dashboard_charts", side_effect=AssertionError("made")),
    ):
        again = _get(world.department).content.decode()
        english = client_for(world.department)
        english.cookies["django_language"] = "en"
        with pytest.raises(AssertionError, match="made"):
            english.get(URL)  # English is made for itself
    assert 'data-figure="programmes"' in again
    assert first.count("data-figure=") == again.count("data-figure=")
