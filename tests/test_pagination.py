"""schools.pagination.Paginator: a list that fits on its first page is not counted by a
query of its own; every other page is Django's."""

import pytest

from schools.models import Subject
from schools.pagination import Paginator


@pytest.fixture
def subjects(db):
    Subject.objects.all().delete()

    def make(n):
        Subject.objects.bulk_create(
            Subject(code=f"mon-{i:03}", name=f"Môn {i:03}") for i in range(n)
        )
        return Subject.objects.order_by("code")

    return make


def test_a_list_on_one_page_is_read_in_one_query(subjects, django_assert_num_queries):
    rows = subjects(7)
    with django_assert_num_queries(1):
        page = Paginator(rows, 10).get_page(None)
        assert [s.name for s in page] == [f"Môn {i:03}" for i in range(7)]
        assert page.paginator.count == 7
        assert page.paginator.num_pages == 1
        assert not page.has_other_pages()
        assert (page.start_index(), page.end_index()) == (1, 7)


def test_an_empty_list_has_an_empty_first_page(subjects, django_assert_num_queries):
    rows = subjects(0)
    with django_assert_num_queries(1):
        page = Paginator(rows, 10).get_page("1")
        assert list(page) == []
        assert page.paginator.count == 0
        assert page.paginator.num_pages == 1


def test_a_list_of_exactly_one_page_needs_no_count(subjects, django_assert_num_queries):
    rows = subjects(10)
    with django_assert_num_queries(1):
        page = Paginator(rows, 10).get_page(1)
        assert len(page) == 10
        assert not page.has_next()


def test_a_longer_list_is_counted_and_paged_as_django_pages_it(subjects, django_assert_num_queries):
    rows = subjects(25)
    with django_assert_num_queries(2):
        first = Paginator(rows, 10).get_page(None)
        assert [s.code for s in first] == [f"mon-{i:03}" for i in range(10)]
        assert first.paginator.count == 25
        assert first.has_next() and first.next_page_number() == 2
    last = Paginator(rows, 10).get_page("3")
    assert [s.code for s in last] == [f"mon-{i:03}" for i in range(20, 25)]
    # Out of range or not a number: the last page, or the first, as Django answers.
    assert Paginator(rows, 10).get_page("99").number == 3
    assert Paginator(rows, 10).get_page("abc").number == 1
    assert len(Paginator(rows, 10).get_page("abc")) == 10
