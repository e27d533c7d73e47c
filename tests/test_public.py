"""What anyone reads without signing in (the public app): finding a school, a school's page,
a programme's page with its fee compared, families' rights and their editing by the
Department, the sitemap and robots.txt, and the menu an anonymous visitor gets."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from partnerships.models import Partner, Programme
from public.models import RightsPage
from schools.models import ActivitySlot, AdministrativeUnit, SchoolLevel
from tests.conftest import client_for
from tutoring.models import TutoringClass

from .factories import SchoolFactory, SchoolYearFactory, UnitFactory

SEARCH = reverse("public:search")
RIGHTS = reverse("public:rights")
RIGHTS_EDIT = reverse("public:rights_edit")


def school_url(school):
    return reverse("public:school", args=[school.pk])


def programme_url(programme):
    return reverse("public:programme", args=[programme.pk])


def get(url, data=None):
    return Client().get(url, data)


def html(response):
    return response.content.decode()


def main(response):
    """The page's own content (the header's language form carries a fresh CSRF token)."""
    return re.search(r'<main id="main".*?</main>', html(response), re.S).group(0)


def found_in(response):
    """The public URLs of the schools a search lists."""
    return set(re.findall(r'href="(/public/schools/\d+/)"', html(response)))


def programme_of(school, year, partner, *, status="approved", kind="stem", fee=300_000):
    programme = Programme.objects.create(
        school=school,
        school_year=year,
        title=f"Chương trình {kind} {fee}",
        partner=partner,
        programme_kind=kind,
        content_summary="Nội dung",
        grade_min=school.grade_min,
        grade_max=school.grade_max,
        capacity=30,
        monthly_fee=fee,
        weekly_periods=2,
        start_date=year.start,
        end_date=year.end,
        status=status,
        approval_reference="45/QĐ-UBND" if status in ("approved", "suspended") else "",
        terms_hash="v1",
    )
    return programme


def a_partner():
    return Partner.objects.create(
        legal_name="Công ty Sao Việt",
        tax_code="0209999999",
        business_registration="0209999999",
        address="Hải Phòng",
    )


# --- Finding a school -----------------------------------------------------------------------


@pytest.fixture
def schools(db):
    """Two areas; in A a lower-secondary school and a primary school with accented names
    (one with đ), a school recorded under a district merged into A, and a closed school; in
    B a lower-secondary school."""
    area_a = UnitFactory(code="31101", name="Phường Hồng Bàng")
    area_b = UnitFactory(code="31102", name="Phường Lê Chân")
    old = UnitFactory(
        code="31190",
        name="Quận Hồng Bàng (cũ)",
        level=AdministrativeUnit.Level.DISTRICT,
        successor=area_a,
    )
    return type(
        "Schools",
        (),
        {
            "area_a": area_a,
            "area_b": area_b,
            "hong_bang": SchoolFactory(
                name="Trường THCS Hồng Bàng", moet_code="31012345", unit=area_a
            ),
            "dang_giang": SchoolFactory(
                name="Trường Tiểu học Đằng Giang",
                unit=area_a,
                level=SchoolLevel.PRIMARY,
                grade_min=1,
                grade_max=5,
            ),
            "merged": SchoolFactory(name="Trường THCS Quang Trung", unit=old),
            "closed": SchoolFactory(name="Trường THCS Hồng Bàng Cũ", unit=area_a, is_active=False),
            "le_chan": SchoolFactory(name="Trường THCS Lê Chân", unit=area_b),
        },
    )


def test_a_school_is_found_by_part_of_its_name_typed_without_accents(schools):
    assert found_in(get(SEARCH, {"q": "hong bang"})) == {school_url(schools.hong_bang)}
    assert found_in(get(SEARCH, {"q": "dang giang"})) == {school_url(schools.dang_giang)}
    # Typed with accents, in capitals, with extra spaces: the same school.
    assert found_in(get(SEARCH, {"q": "  ĐẰNG   Giang "})) == {school_url(schools.dang_giang)}
    assert found_in(get(SEARCH, {"q": "tieu hoc"})) == {school_url(schools.dang_giang)}


def test_a_school_is_found_by_its_moet_code(schools):
    assert found_in(get(SEARCH, {"q": "31012345"})) == {school_url(schools.hong_bang)}


def test_the_search_filters_by_level(schools):
    assert found_in(get(SEARCH, {"level": SchoolLevel.PRIMARY})) == {school_url(schools.dang_giang)}


def test_the_search_filters_by_area_with_the_schools_of_units_merged_into_it(schools):
    assert found_in(get(SEARCH, {"unit": schools.area_a.pk})) == {
        school_url(schools.hong_bang),
        school_url(schools.dang_giang),
        school_url(schools.merged),
    }
    assert found_in(get(SEARCH, {"unit": schools.area_b.pk, "q": "le chan"})) == {
        school_url(schools.le_chan)
    }


def test_a_closed_school_is_never_listed(schools):
    everything = found_in(get(SEARCH))
    assert school_url(schools.closed) not in everything
    assert len(everything) == 4
    assert school_url(schools.closed) not in found_in(get(SEARCH, {"q": "hong bang cu"}))


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("unit", {"unit": "999999"}),
        ("unit", {"unit": "not-a-number"}),
        ("level", {"level": "university"}),
        ("q", {"q": "a" * 101}),
    ],
)
def test_bad_search_input_answers_with_the_form_and_its_error(schools, field, data):
    response = get(SEARCH, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="errorlist' in html(response)
    assert found_in(response) == set()


def test_a_page_past_the_last_still_answers(schools):
    for page in ("999", "-1", "abc"):
        response = get(SEARCH, {"page": page})
        assert response.status_code == 200
        assert len(found_in(response)) == 4  # the last (only) page


def _search_queries(n_schools):
    area = UnitFactory()
    year = SchoolYearFactory()
    partner = a_partner()
    for _ in range(n_schools):
        programme_of(SchoolFactory(unit=area), year, partner)
    with CaptureQueriesContext(connection) as queries:
        response = get(SEARCH, {"unit": area.pk, "q": "truong"})
    assert response.status_code == 200
    assert len(found_in(response)) == min(n_schools, 20)
    return len(queries)


@pytest.mark.parametrize("n_schools", [3, 25])
def test_the_search_costs_the_same_queries_for_few_or_many_schools(db, n_schools):
    # The area chosen, the units merged into it, the count, the page, the schools' offers,
    # and the form's list of areas.
    assert _search_queries(n_schools) == 6


# --- A school's page ------------------------------------------------------------------------


@pytest.fixture
def offer(world):
    """School A's offer in every status: world's approved programme and draft one, its open
    class and draft class, plus a suspended, a submitted and a refused programme and a
    submitted class."""
    year, partner = world.year, world.partner
    suspended = programme_of(world.school_a, year, partner, status="suspended")
    submitted = programme_of(world.school_a, year, partner, status="submitted")
    refused = programme_of(world.school_a, year, partner, status="refused")
    TutoringClass.objects.filter(pk=world.draft_a.pk).update(grade=8)
    submitted_class = TutoringClass.objects.create(
        school=world.school_a,
        school_year=year,
        title="Văn 9 – ôn thi",
        subject=world.class_a.subject,
        grade=9,
        category="exam_review",
        capacity=20,
        start_date=year.start,
        end_date=year.end,
        status="submitted",
    )
    return type(
        "Offer",
        (),
        {
            "approved": world.programme_a,
            "draft": world.programme_draft_a,
            "suspended": suspended,
            "submitted": submitted,
            "refused": refused,
            "submitted_class": submitted_class,
        },
    )


def test_a_closed_or_unknown_school_has_no_page(world):
    world.school_b.is_active = False
    world.school_b.save()
    assert get(school_url(world.school_b)).status_code == 404
    assert get(reverse("public:school", args=[999999])).status_code == 404


def test_the_school_page_shows_approved_and_suspended_programmes_and_open_classes(world, offer):
    response = get(school_url(world.school_a))
    assert response.status_code == 200
    page = html(response)
    assert world.school_a.name in page
    # Each approved or suspended programme, linked to its own page.
    assert f'href="{programme_url(offer.approved)}"' in page
    assert f'href="{programme_url(offer.suspended)}"' in page
    for hidden in (offer.draft, offer.submitted, offer.refused):
        assert programme_url(hidden) not in page
    assert page.count("badge status-approved") == 1
    assert page.count("badge status-suspended") == 1
    # The open class (one row), never a draft or submitted one.
    assert page.count("badge status-open") == 1
    for status in ("draft", "submitted", "refused"):
        assert f"status-{status}" not in page
    # Families can complain about this very school.
    assert f"{reverse('inspections:complaint_new')}?school={world.school_a.pk}" in page


def test_a_programme_or_class_whose_last_day_is_past_is_no_longer_listed(world, offer):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = programme_of(world.school_a, world.year, world.partner, status="approved")
    ended.end_date = yesterday
    ended.save()
    TutoringClass.objects.filter(pk=world.class_a.pk).update(end_date=yesterday)

    page = html(get(school_url(world.school_a)))

    assert programme_url(offer.approved) in page
    assert programme_url(ended) not in page
    assert "badge status-open" not in page
    sitemap = get(reverse("public:sitemap_section", args=["programmes"])).content.decode()
    assert programme_url(ended) not in sitemap


def test_the_second_visit_to_a_school_page_costs_no_query(world, offer, django_assert_num_queries):
    first = main(get(school_url(world.school_a)))
    with django_assert_num_queries(0):
        second = main(get(school_url(world.school_a)))
    assert second == first
    assert programme_url(offer.suspended) in second


def test_the_cached_page_is_kept_apart_per_language(world, offer, settings):
    vietnamese = get(school_url(world.school_a))
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(school_url(world.school_a))

    assert '<html lang="vi">' in html(vietnamese)
    assert '<html lang="en">' in html(english)
    assert main(english) != main(vietnamese)
    assert "Tutoring classes in school" in main(english)  # the English page, from cache too
    assert "Tutoring classes in school" not in main(get(school_url(world.school_a)))


def test_a_page_first_seen_by_a_signed_in_official_shows_nothing_of_them_to_the_next(world, offer):
    official = client_for(world.department).get(school_url(world.school_a))
    assert world.department.get_full_name() in html(official)

    visitor = get(school_url(world.school_a))

    assert world.department.get_full_name() not in html(visitor)
    assert main(visitor) == main(official)


def test_an_unknown_page_asked_for_many_times_keeps_nothing_in_the_cache(db):
    from django.core.cache import caches

    for pk in range(900_000, 900_050):
        assert get(reverse("public:school", args=[pk])).status_code == 404
    # Only the generation number, never a page per number asked for.
    assert len(caches["public"]._cache) <= 1


def test_a_programme_suspended_shows_suspended_at_once(world, offer):
    url = school_url(world.school_a)
    assert html(get(url)).count("badge status-suspended") == 1
    programme = Programme.objects.get(pk=offer.approved.pk)
    programme.status = "suspended"
    programme.save()
    page = html(get(url))
    assert page.count("badge status-suspended") == 2
    assert "badge status-approved" not in page


def test_a_schedule_change_shows_at_once(world):
    url = school_url(world.school_a)
    assert "20:15" not in html(get(url))
    slot = ActivitySlot.objects.filter(activity=world.programme_a).first()
    slot.end = slot.end.replace(hour=20, minute=15)
    slot.start = slot.start.replace(hour=19)
    slot.save()
    assert "20:15" in html(get(url))


# --- A programme's page and its fee compared --------------------------------------------------


@pytest.fixture
def fees(db):
    """STEM programmes in three schools of area X at 100 000, 200 000 and 2 000 000 đồng, and
    one in area Y at 3 000 000; one IT programme in X, alone of its kind there, and one in
    Y."""
    year = SchoolYearFactory()
    partner = a_partner()
    area_x = UnitFactory(code="31201", name="Phường Ngô Quyền")
    area_y = UnitFactory(code="31202", name="Phường Gia Viên")
    x1, x2, x3 = (SchoolFactory(unit=area_x) for _ in range(3))
    y1 = SchoolFactory(unit=area_y)
    return type(
        "Fees",
        (),
        {
            "year": year,
            "partner": partner,
            "area_x": area_x,
            "area_y": area_y,
            "x1": x1,
            "cheap": programme_of(x1, year, partner, fee=100_000),
            "middle": programme_of(x2, year, partner, fee=200_000),
            "dear": programme_of(x3, year, partner, fee=2_000_000),
            "elsewhere": programme_of(y1, year, partner, fee=3_000_000),
            "it_alone": programme_of(x1, year, partner, kind="it", fee=500_000),
            "it_elsewhere": programme_of(y1, year, partner, kind="it", fee=700_000),
        },
    )


def comparisons(response):
    """Each fee comparison section: its heading and its lowest, median and highest fee."""
    found = []
    for section in re.findall(r'<section class="fee-compare".*?</section>', html(response), re.S):
        heading = re.search(r"<h3[^>]*>(.*?)</h3>", section, re.S).group(1)
        figures = re.findall(r"<dd>([\d.]+) ₫</dd>", section)
        found.append((heading, figures))
    return found


@pytest.mark.parametrize("status", ["draft", "submitted", "refused", "returned", "closed"])
def test_a_programme_not_approved_has_no_page(fees, status):
    programme = programme_of(fees.x1, fees.year, fees.partner, status=status)
    assert get(programme_url(programme)).status_code == 404


def test_a_programme_of_a_closed_school_has_no_page(fees):
    assert get(programme_url(fees.cheap)).status_code == 200
    fees.x1.is_active = False
    fees.x1.save()
    assert get(programme_url(fees.cheap)).status_code == 404


def test_a_suspended_programme_has_its_page(fees):
    Programme.objects.filter(pk=fees.middle.pk).update(status="suspended")
    response = get(programme_url(fees.middle))
    assert response.status_code == 200
    assert "badge status-suspended" in html(response)
    assert 'class="warn-box"' in html(response)


def test_the_dearest_programme_is_compared_with_its_area_then_the_city(fees):
    response = get(programme_url(fees.dear))
    assert response.status_code == 200
    assert html(response).count('class="fee-compare"') == 2
    (area_heading, area), (city_heading, city) = comparisons(response)
    assert fees.area_x.name in area_heading
    assert area == ["100.000", "200.000", "2.000.000"]
    assert fees.area_x.name not in city_heading
    # The city: 100 000, 200 000, 2 000 000, 3 000 000; the median between the middle two.
    assert city == ["100.000", "1.100.000", "3.000.000"]
    # Its own fee, as families read it.
    assert "<strong>2.000.000 ₫</strong>" in html(response)


def test_a_programme_alone_of_its_kind_in_its_area_says_so(fees):
    response = get(programme_url(fees.it_alone))
    page = html(response)
    assert page.count('class="fee-compare"') == 1  # the city's only
    ((city_heading, city),) = comparisons(response)
    assert fees.area_x.name not in city_heading
    assert city == ["500.000", "600.000", "700.000"]
    empty = re.findall(r'<p class="empty">(.*?)</p>', page, re.S)
    assert len(empty) == 1 and fees.area_x.name in empty[0]


def test_a_programme_alone_of_its_kind_in_the_city_has_no_comparison(fees):
    alone = programme_of(fees.x1, fees.year, fees.partner, kind="career", fee=150_000)
    page = html(get(programme_url(alone)))
    assert 'class="fee-compare"' not in page
    assert page.count('<p class="empty">') == 1


def test_other_kinds_draft_programmes_and_other_years_do_not_enter_the_comparison(fees):
    programme_of(fees.x1, fees.year, fees.partner, status="draft", fee=9_000_000)
    programme_of(fees.x1, fees.year, fees.partner, kind="language", fee=8_000_000)
    last_year = SchoolYearFactory(name="2025-2026", start="2025-09-05", end="2026-05-31")
    programme_of(fees.x1, last_year, fees.partner, fee=7_000_000)
    (_, area), (_, city) = comparisons(get(programme_url(fees.dear)))
    assert area == ["100.000", "200.000", "2.000.000"]
    assert city == ["100.000", "1.100.000", "3.000.000"]


def test_a_school_recorded_under_a_unit_merged_into_the_area_is_compared_with_the_area(fees):
    old = UnitFactory(
        code="31290",
        name="Quận Ngô Quyền (cũ)",
        level=AdministrativeUnit.Level.DISTRICT,
        successor=fees.area_x,
    )
    merged = programme_of(SchoolFactory(unit=old), fees.year, fees.partner, fee=150_000)
    # The area counts the school recorded under the unit merged into it (100 000, 150 000,
    # 200 000, 2 000 000)...
    (_, area), _ = comparisons(get(programme_url(fees.dear)))
    assert area == ["100.000", "175.000", "2.000.000"]
    # ...so that school's own programme is compared with the same area, under its name.
    found = comparisons(get(programme_url(merged)))
    assert len(found) == 2, found
    (heading, area), _ = found
    assert fees.area_x.name in heading
    assert area == ["100.000", "175.000", "2.000.000"]


def _programme_queries(fees, others):
    for n in range(others):
        programme_of(SchoolFactory(unit=fees.area_x), fees.year, fees.partner, fee=10_000 * n)
    with CaptureQueriesContext(connection) as queries:
        response = get(programme_url(fees.dear))
    assert response.status_code == 200
    return len(queries)


def test_the_programme_page_costs_the_same_queries_for_few_or_many_programmes(fees):
    few = _programme_queries(fees, 0)  # 2 others in the area
    assert few == _programme_queries(fees, 18)  # 20 others
    assert few == 9


# --- The rights page ------------------------------------------------------------------------


def article(response):
    return re.search(r'<article class="rights-page">.*?</article>', html(response), re.S).group(0)


def post_rights(user, body, language="vi"):
    return client_for(user).post(RIGHTS_EDIT, {"language": language, "body": body})


def test_the_rights_page_shows_the_portal_text_until_the_department_writes_its_own(db):
    response = get(RIGHTS)
    assert response.status_code == 200
    text = article(response)
    assert "<h2>Tham gia là tự nguyện</h2>" in text
    assert "<ul>" in text
    # Links to complain and to follow a complaint, in the page itself (not only the menu).
    assert f'href="{reverse("inspections:complaint_new")}"' in text
    assert f'href="{reverse("inspections:complaint_track")}"' in text
    assert RIGHTS_EDIT not in text


def test_the_department_publishes_a_new_text_shown_at_once_and_the_old_one_is_kept(world):
    assert "Tham gia là tự nguyện" in article(get(RIGHTS))  # now in the cache
    response = post_rights(world.department, "Phiên bản một của trang quyền.")
    assert response.status_code == 302
    assert response.url == RIGHTS
    shown = article(get(RIGHTS))
    assert "Phiên bản một của trang quyền." in shown
    assert "Tham gia là tự nguyện" not in shown

    assert post_rights(world.department, "Phiên bản hai.").status_code == 302
    shown = article(get(RIGHTS))
    assert "Phiên bản hai." in shown and "Phiên bản một" not in shown
    assert RightsPage.objects.count() == 2
    assert list(RightsPage.objects.values_list("body", flat=True)) == [
        "Phiên bản hai.",
        "Phiên bản một của trang quyền.",
    ]
    events = AuditEvent.objects.filter(action="rights_page_update")
    assert events.count() == 2
    assert {e.actor for e in events} == {world.department}
    assert {e.object_id for e in events} == {str(p.pk) for p in RightsPage.objects.all()}
    # The Department sees the way to edit; the public does not.
    assert RIGHTS_EDIT in article(client_for(world.department).get(RIGHTS))


def test_a_text_in_english_leaves_the_vietnamese_page_alone(world):
    assert post_rights(world.department, "Taking part is your choice.", "en").status_code == 302
    assert "Tham gia là tự nguyện" in article(get(RIGHTS))
    assert RightsPage.objects.get().language == "en"


def test_html_in_the_text_is_shown_as_text_never_run(world):
    post_rights(world.department, "<script>alert(1)</script>\n\n<a href='x'>bấm</a>")
    page = html(get(RIGHTS))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<a href='x'>" not in page


def test_headings_lists_and_paragraphs_are_drawn_from_plain_text(world):
    body = (
        "## Quyền của gia đình\n\n"
        "- Được từ chối\n- Được rút lại\n\n"
        "Đoạn văn một\ntiếp tục.\n\n"
        "## Khiếu nại"
    )
    post_rights(world.department, body)
    text = article(get(RIGHTS))
    assert "<h2>Quyền của gia đình</h2>" in text
    assert "<ul><li>Được từ chối</li><li>Được rút lại</li></ul>" in text
    assert "<p>Đoạn văn một tiếp tục.</p>" in text
    assert "<h2>Khiếu nại</h2>" in text


# --- Who may edit it ------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    for response in (Client().get(RIGHTS_EDIT), Client().post(RIGHTS_EDIT, {"body": "x"})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not RightsPage.objects.exists()


@pytest.mark.parametrize("role", ["principal", "staff", "committee", "inspector", "parent"])
def test_nobody_but_the_department_may_edit_the_rights_page(world, role):
    user = getattr(world, role)
    assert client_for(user).get(RIGHTS_EDIT).status_code == 403
    assert post_rights(user, "Văn bản của người không có quyền.").status_code == 403
    assert not RightsPage.objects.exists()
    assert not AuditEvent.objects.filter(action="rights_page_update").exists()
    assert RIGHTS_EDIT not in html(client_for(user).get(RIGHTS))


def test_the_department_opens_the_form_filled_with_the_text_shown(world):
    response = client_for(world.department).get(RIGHTS_EDIT)
    assert response.status_code == 200
    assert "Tham gia là tự nguyện" in response.context["form"].initial["body"]


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("body", {"language": "vi", "body": ""}),
        ("body", {"language": "vi", "body": "   \n  "}),
        ("language", {"language": "fr", "body": "Văn bản."}),
        ("body", {"language": "vi", "body": "x" * 20_001}),
    ],
)
def test_bad_input_is_refused_with_the_form(world, field, data):
    response = client_for(world.department).post(RIGHTS_EDIT, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not RightsPage.objects.exists()


def test_the_longest_text_allowed_is_saved(world):
    assert post_rights(world.department, "x" * 20_000).status_code == 302
    assert len(RightsPage.objects.get().body) == 20_000


def test_the_same_text_again_is_refused_and_not_saved(world):
    assert post_rights(world.department, "Văn bản hiện hành.").status_code == 302
    response = post_rights(world.department, "Văn bản hiện hành.\r\n")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert RightsPage.objects.count() == 1
    assert AuditEvent.objects.filter(action="rights_page_update").count() == 1


# --- Sitemap and robots.txt -----------------------------------------------------------------


def test_the_sitemap_index_lists_its_sections(db):
    response = get(reverse("public:sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    for section in ("pages", "schools", "programmes"):
        url = reverse("public:sitemap_section", kwargs={"section": section})
        assert f"http://testserver{url}" in html(response)


def test_the_sitemap_lists_open_schools_only(world):
    response = get(reverse("public:sitemap_section", kwargs={"section": "schools"}))
    assert response.status_code == 200
    world.school_b.is_active = False
    world.school_b.save()
    listed = set(re.findall(r"<loc>http://testserver(.*?)</loc>", html(response)))
    assert school_url(world.school_a) in listed
    listed = set(
        re.findall(
            r"<loc>http://testserver(.*?)</loc>",
            html(get(reverse("public:sitemap_section", kwargs={"section": "schools"}))),
        )
    )
    assert school_url(world.school_b) not in listed
    assert school_url(world.school_a) in listed


def test_the_sitemap_lists_approved_and_suspended_programmes_only(world, offer):
    response = get(reverse("public:sitemap_section", kwargs={"section": "programmes"}))
    listed = set(re.findall(r"<loc>http://testserver(.*?)</loc>", html(response)))
    assert programme_url(offer.approved) in listed
    assert programme_url(offer.suspended) in listed
    for hidden in (offer.draft, offer.submitted, offer.refused):
        assert programme_url(hidden) not in listed
    assert programme_url(world.programme_far) in listed
    world.school_far.is_active = False
    world.school_far.save()
    response = get(reverse("public:sitemap_section", kwargs={"section": "programmes"}))
    listed = set(re.findall(r"<loc>http://testserver(.*?)</loc>", html(response)))
    assert programme_url(world.programme_far) not in listed
    assert programme_url(offer.approved) in listed


def test_the_sitemap_pages_section_lists_the_public_pages(db):
    response = get(reverse("public:sitemap_section", kwargs={"section": "pages"}))
    listed = set(re.findall(r"<loc>http://testserver(.*?)</loc>", html(response)))
    assert listed == {SEARCH, RIGHTS, reverse("public:open_data")}


def test_an_unknown_sitemap_section_is_not_found(db):
    assert get(reverse("public:sitemap_section", kwargs={"section": "students"})).status_code == 404


def test_robots_txt_names_the_sitemap(db):
    response = get(reverse("robots"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = html(response).splitlines()
    assert "Sitemap: http://testserver" + reverse("public:sitemap") in lines
    assert "Allow: /public/" in lines


# --- The menu -------------------------------------------------------------------------------


def test_an_anonymous_visitor_gets_the_public_menu_and_the_footer_links(db):
    page = html(get(reverse("inspections:complaint_new")))
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S).group(0)
    assert f'href="{SEARCH}"' in nav
    assert f'href="{RIGHTS}"' in nav
    assert f'href="{reverse("login")}"' in nav
    footer = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S).group(0)
    assert f'href="{RIGHTS}"' in footer
    assert f'href="{SEARCH}"' in footer


def test_a_signed_in_user_gets_their_own_menu_not_the_public_one(world):
    page = html(client_for(world.principal).get(reverse("schools:home")))
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S).group(0)
    assert f'href="{reverse("login")}"' not in nav
    assert f'href="{reverse("schools:home")}"' in nav
