import datetime

from django.urls import reverse

from schools.models import MainSession
from tests.conftest import client_for


def data(*rows, initial=()):
    payload = {
        "sessions-TOTAL_FORMS": len(initial) + len(rows),
        "sessions-INITIAL_FORMS": len(initial),
        "sessions-MIN_NUM_FORMS": 0,
        "sessions-MAX_NUM_FORMS": 1000,
    }
    for i, (pk, deleted) in enumerate(initial):
        session = MainSession.objects.get(pk=pk)
        payload.update(
            {
                f"sessions-{i}-id": pk,
                f"sessions-{i}-weekday": session.weekday,
                f"sessions-{i}-start": f"{session.start:%H:%M}",
                f"sessions-{i}-end": f"{session.end:%H:%M}",
            }
        )
        if deleted:
            payload[f"sessions-{i}-DELETE"] = "on"
    for j, (day, start, end) in enumerate(rows, start=len(initial)):
        payload.update(
            {
                f"sessions-{j}-weekday": day,
                f"sessions-{j}-start": start,
                f"sessions-{j}-end": end,
            }
        )
    return payload


def test_the_head_keeps_the_main_timetable(world):
    client = client_for(world.principal)
    url = reverse("schools:timetable", args=[world.school_a.pk])
    monday = MainSession.objects.get(school=world.school_a)
    response = client.post(url, data((1, "07:00", "11:15"), initial=[(monday.pk, False)]))
    assert response.status_code == 302
    assert MainSession.objects.filter(school=world.school_a).count() == 2
    response = client.post(url, data(initial=[(monday.pk, True)]))
    assert response.status_code == 302
    assert list(
        MainSession.objects.filter(school=world.school_a).values_list("weekday", "start")
    ) == [(1, datetime.time(7))]


def test_overlapping_or_backwards_sessions_are_refused_and_nothing_saved(world):
    client = client_for(world.principal)
    url = reverse("schools:timetable", args=[world.school_a.pk])
    before = MainSession.objects.count()
    response = client.post(url, data((2, "07:00", "11:00"), (2, "10:30", "12:00")))
    assert response.status_code == 200
    assert "Hai buổi học trùng giờ vào Thứ Tư" in response.content.decode()
    response = client.post(url, data((3, "11:00", "07:00")))
    assert response.status_code == 200
    assert MainSession.objects.count() == before


def test_staff_and_other_heads_cannot_edit_the_timetable(world):
    url = reverse("schools:timetable", args=[world.school_a.pk])
    assert client_for(world.staff).get(url).status_code == 403
    assert client_for(world.far_principal).get(url).status_code == 404


def test_the_school_page_links_the_timetable_for_the_head_only(world):
    url = reverse("schools:school_detail", args=[world.school_a.pk])
    link = reverse("schools:timetable", args=[world.school_a.pk])
    assert link in client_for(world.principal).get(url).content.decode()
    assert link not in client_for(world.staff).get(url).content.decode()
