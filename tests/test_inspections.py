"""Inspections: ordering, the unannounced visit hidden from the school until it starts, the
team's checklist, findings with evidence, corrective actions answered by the school and
reviewed by the team, suspension from an inspection, the signed conclusion."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from inspections import services
from inspections.models import (
    ChecklistAnswer,
    CorrectiveAction,
    Evidence,
    Finding,
    Inspection,
    InspectionSuspension,
    Scope,
)
from schools import policy
from schools.models import Activity, ActivityEvent
from schools.services import role_grant

from .conftest import client_for
from .factories import UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="anh.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def order(world, *, kind=Inspection.Kind.UNANNOUNCED, actor=None, team=None, school=None):
    actor = actor or world.department
    today = timezone.localdate()
    inspection = Inspection(
        school=school or world.school_a,
        kind=kind,
        trigger=Inspection.Trigger.PUBLIC_OPINION,
        planned_start=today,
        planned_end=today + datetime.timedelta(days=2),
        scopes=[Scope.TUTORING, Scope.PROGRAMMES, Scope.CONSENT],
    )
    team = team or [world.inspector]
    return services.inspection_save(actor=actor, inspection=inspection, team=team, lead=team[0])


def started(world, **kwargs):
    inspection = order(world, **kwargs)
    return services.inspection_transition(
        actor=inspection.team.get(is_lead=True).user, inspection=inspection, name="start"
    )


def finding_in(inspection, actor, **fields):
    finding = Finding(
        inspection=inspection,
        category=Finding.Category.CONSENT,
        severity="serious",
        title="Học sinh trong danh sách chưa có đơn tự nguyện",
        description="3 học sinh lớp 7A1 không có đơn.",
        legal_basis="Thông tư 29/2024/TT-BGDĐT, Điều 3",
        responsible="Hiệu trưởng",
        **fields,
    )
    return services.finding_save(actor=actor, finding=finding, files=[photo()])


def action_on(finding, actor, days=7):
    action = CorrectiveAction(
        finding=finding,
        description="Thu đủ đơn tự nguyện hoặc rút học sinh khỏi danh sách.",
        due_date=timezone.localdate() + datetime.timedelta(days=days),
        responsible="Hiệu trưởng",
    )
    return services.action_add(actor=actor, action=action)


@pytest.fixture
def other_inspector(world):
    user = UserFactory(username="thanhtra2")
    role_grant(actor=None, user=user, role=Role.INSPECTOR, unit=world.province)
    return user


def test_an_unannounced_inspection_is_hidden_from_the_school_until_it_starts(world):
    inspection = order(world)
    head = client_for(world.principal)
    url = reverse("inspections:inspection_detail", args=[inspection.pk])
    assert head.get(url).status_code == 404
    assert inspection.code not in head.get(reverse("inspections:inspection_list")).text
    services.inspection_transition(actor=world.inspector, inspection=inspection, name="start")
    assert head.get(url).status_code == 200
    assert inspection.code in head.get(reverse("inspections:inspection_list")).text


def test_a_periodic_inspection_is_shown_to_the_school_when_planned(world):
    inspection = order(world, kind=Inspection.Kind.PERIODIC)
    response = client_for(world.principal).get(
        reverse("inspections:inspection_detail", args=[inspection.pk])
    )
    assert response.status_code == 200
    # The school never sees the team's checklist nor what the portal knows.
    assert response.context["checklist"] is None and response.context["known"] is None


def test_only_the_team_records_findings(world, other_inspector):
    inspection = started(world)
    with pytest.raises(PermissionDenied):
        finding_in(inspection, other_inspector)
    # An inspector outside the team does not even see the inspection.
    url = reverse("inspections:finding_new", args=[inspection.pk])
    assert client_for(other_inspector).get(url).status_code == 404
    # The Department sees it but is not on the team.
    assert client_for(world.department).get(url).status_code == 403
    assert client_for(world.principal).get(url).status_code == 403
    assert Finding.objects.count() == 0
    assert client_for(world.inspector).get(url).status_code == 200


def test_the_school_cannot_edit_findings(world):
    inspection = started(world)
    finding = finding_in(inspection, world.inspector)
    head = client_for(world.principal)
    assert head.get(reverse("inspections:finding_detail", args=[finding.pk])).status_code == 200
    response = head.post(
        reverse("inspections:finding_edit", args=[finding.pk]),
        {
            "title": "Không có gì",
            "category": "other",
            "severity": "minor",
            "description": "x",
            "legal_basis": "x",
            "responsible": "x",
        },
    )
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.title.startswith("Học sinh")


def test_the_whole_round_of_a_corrective_action(world):
    inspection = started(world)
    finding = finding_in(inspection, world.inspector, activity=world.programme_a)
    assert finding.evidence.count() == 1
    world.school_a.email = "thcs.hongbang@example.edu.vn"
    world.school_a.save()
    mail.outbox.clear()
    with pytest.raises(ValidationError) as error:
        services.action_add(
            actor=world.inspector,
            action=CorrectiveAction(
                finding=finding,
                description="x",
                due_date=timezone.localdate() - datetime.timedelta(days=1),
                responsible="Hiệu trưởng",
            ),
        )
    assert "due_date" in error.value.message_dict
    action = action_on(finding, world.inspector)
    # The Department is not on the team; the school does not review itself.
    with pytest.raises(PermissionDenied):
        services.action_answer(actor=world.inspector, action=action, response="x")
    services.action_answer(
        actor=world.principal, action=action, response="Đã thu đủ đơn.", files=[photo()]
    )
    with pytest.raises(PermissionDenied):
        services.action_review(actor=world.principal, action=action, accept=True)
    with pytest.raises(ValidationError):
        services.action_review(actor=world.inspector, action=action, accept=False)
    services.action_review(actor=world.inspector, action=action, accept=False, note="Thiếu 1 đơn.")
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.OPEN
    services.action_answer(actor=world.principal, action=action, response="Đã đủ.")
    services.action_review(actor=world.inspector, action=action, accept=True)
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.ACCEPTED
    assert Evidence.objects.filter(action=action).count() == 1


def test_evidence_is_checked_by_content(world):
    inspection = started(world)
    with pytest.raises(ValidationError) as error:
        services.finding_save(
            actor=world.inspector,
            finding=Finding(
                inspection=inspection,
                category="other",
                severity="minor",
                title="x",
                description="x",
                legal_basis="x",
                responsible="x",
            ),
            files=[photo("anh.png", b"MZ not an image")],
        )
    assert "files" in error.value.message_dict
    assert Finding.objects.count() == 0


def test_a_finding_on_an_activity_of_another_school_is_refused(world):
    inspection = started(world)
    with pytest.raises(ValidationError) as error:
        finding_in(inspection, world.inspector, activity=world.programme_far)
    assert "activity" in error.value.message_dict


def test_a_committee_inspects_only_the_schools_it_manages(world):
    with pytest.raises(ValidationError) as error:
        order(world, actor=world.committee, team=[world.committee], school=world.upper_a)
    assert "school" in error.value.message_dict
    inspection = order(world, actor=world.committee, team=[world.committee])
    assert inspection.authority == "committee"
    # The committee's inspection is not in another committee's list.
    assert not policy.visible(world.far_committee, Inspection).exists()
    # A committee cannot put the Department's inspector on its team.
    with pytest.raises(ValidationError) as error:
        order(world, actor=world.committee, team=[world.inspector])
    assert "team" in error.value.message_dict


def test_the_checklist_no_answer_offers_a_finding(world):
    inspection = started(world)
    client = client_for(world.inspector)
    url = reverse("inspections:checklist", args=[inspection.pk])
    page = client.get(url)
    assert page.status_code == 200
    question = page.context["items"][0]["question"]
    response = client.post(
        url,
        {
            "question": question.pk,
            f"q{question.pk}-answer": "no",
            f"q{question.pk}-note": "Không có kế hoạch công khai.",
            f"q{question.pk}-photos": photo(),
        },
    )
    assert response.status_code == 302
    answer = ChecklistAnswer.objects.get(inspection=inspection, question=question)
    assert answer.answer == "no" and answer.photos.count() == 1
    page = client.get(url)
    assert f"?answer={answer.pk}" in page.text
    new_url = reverse("inspections:finding_new", args=[inspection.pk]) + f"?answer={answer.pk}"
    new = client.get(new_url)
    assert new.context["form"].initial["legal_basis"] == question.reference
    response = client.post(
        new_url,
        {
            "title": "Kế hoạch dạy thêm chưa được công khai",
            "category": "tutoring",
            "severity": "minor",
            "description": "Không niêm yết.",
            "legal_basis": question.reference,
            "responsible": "Hiệu trưởng",
        },
    )
    finding = Finding.objects.get(answer=answer)
    assert response.url.endswith("#new-action")
    # The photo taken at the question is the finding's evidence too.
    assert finding.evidence.get().file.name == answer.photos.get().file.name
    # The school sees neither the checklist nor its photos.
    assert client_for(world.principal).get(url).status_code == 403
    evidence = answer.photos.get()
    evidence_url = reverse("inspections:evidence", args=[evidence.pk])
    assert client_for(world.principal).get(evidence_url).status_code == 404
    assert client.get(evidence_url).status_code == 200


def test_suspending_from_an_inspection_is_the_programme_suspension(world):
    inspection = started(world)
    # The inspector may not suspend: the authority does.
    with pytest.raises(PermissionDenied):
        services.suspend_from_inspection(
            actor=world.inspector, inspection=inspection, activity=world.programme_a, reason="x"
        )
    link = services.suspend_from_inspection(
        actor=world.department,
        inspection=inspection,
        activity=world.programme_a,
        reason="Thu tiền chưa đúng quy định.",
    )
    world.programme_a.refresh_from_db()
    assert world.programme_a.status == Activity.Status.SUSPENDED
    event = ActivityEvent.objects.filter(activity=world.programme_a).latest("id")
    assert link.event == event and inspection.code in event.reference
    assert InspectionSuspension.objects.get().inspection == inspection


def test_the_conclusion_is_signed_by_the_head_of_the_team(world, other_inspector):
    inspection = started(world, team=[world.inspector, other_inspector])
    finding = finding_in(inspection, other_inspector)
    action = action_on(finding, world.inspector)
    services.inspection_transition(actor=other_inspector, inspection=inspection, name="record")
    with pytest.raises(PermissionDenied):
        services.inspection_transition(
            actor=other_inspector, inspection=inspection, name="conclude", conclusion="x"
        )
    with pytest.raises(ValidationError):
        services.inspection_transition(
            actor=world.inspector, inspection=inspection, name="conclude"
        )
    services.inspection_transition(
        actor=world.inspector, inspection=inspection, name="conclude", conclusion="Kết luận."
    )
    inspection.refresh_from_db()
    assert inspection.signed_by == world.inspector
    with pytest.raises(ValidationError):
        services.inspection_transition(actor=world.department, inspection=inspection, name="close")
    services.inspection_transition(actor=world.department, inspection=inspection, name="follow_up")
    services.action_answer(actor=world.principal, action=action, response="Đã khắc phục.")
    services.action_review(actor=world.inspector, action=action, accept=True)
    services.inspection_transition(actor=world.department, inspection=inspection, name="close")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.CLOSED
    page = client_for(world.principal).get(
        reverse("inspections:conclusion_print", args=[inspection.pk])
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.text and "Kết luận." in page.text
    assert "Hải Phòng, ngày" in page.text


def test_overdue_actions_are_reminded_once_a_day(world, django_capture_on_commit_callbacks):
    inspection = started(world)
    action = action_on(finding_in(inspection, world.inspector), world.inspector, days=1)
    world.school_a.email = "thcs.hongbang@example.edu.vn"
    world.school_a.save()
    later = timezone.localdate() + datetime.timedelta(days=3)
    mail.outbox.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda: later)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.remind_overdue(today=later) == 1
            assert services.remind_overdue(today=later) == 0
    assert [m.to for m in mail.outbox] == [["thcs.hongbang@example.edu.vn"]]
    action.refresh_from_db()
    assert action.reminded_on == later


def test_the_reminder_command_mails_the_schools_with_overdue_actions(
    world, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    inspection = started(world)
    action = action_on(finding_in(inspection, world.inspector), world.inspector)
    CorrectiveAction.objects.filter(pk=action.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    world.school_a.email = "thcs.hongbang@example.edu.vn"
    world.school_a.save()
    mail.outbox.clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("inspections_remind", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert mail.outbox[0].to == ["thcs.hongbang@example.edu.vn"]
    assert inspection.code in mail.outbox[0].body


def _tasks(user):
    from schools.selectors import home_summary

    return {task["url"]: task["count"] for task in home_summary(user)["tasks"] if task["url"]}


def test_the_home_pages_say_what_each_one_has_to_do(world):
    inspection = started(world)
    finding = finding_in(inspection, world.inspector)
    answered = action_on(finding, world.inspector)
    overdue = action_on(finding, world.inspector)
    CorrectiveAction.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    services.action_answer(actor=world.principal, action=answered, response="Đã làm.")
    actions = reverse("inspections:action_list")
    # The team: its inspection under way, an answer to review.
    assert _tasks(world.inspector)[reverse("inspections:inspection_list")] == 1
    assert _tasks(world.inspector)[actions + "?status=answered"] == 1
    # The school: one action still to answer.
    assert _tasks(world.principal)[actions + "?status=open"] == 1
    # The authority: the overdue one, flagged; not the committee of another area.
    assert _tasks(world.department)[actions + "?overdue=1"] == 1
    assert actions + "?overdue=1" not in _tasks(world.far_committee)
    page = client_for(world.department).get(actions, {"overdue": "1"})
    assert [a.pk for a in page.context["page"]] == [overdue.pk]


def test_an_inspector_on_no_team_is_told_so_at_home(world):
    response = client_for(world.inspector).get(reverse("schools:home"))
    assert response.status_code == 200
    inspection_tasks = [t for t in response.context["tasks"] if t["url"] is None]
    assert len(inspection_tasks) == 1


def test_the_department_orders_and_changes_an_inspection_in_its_pages(world, other_inspector):
    client = client_for(world.department)
    url = reverse("inspections:inspection_new")
    assert "team" not in client.get(url).context["form"].errors
    page = client.get(url, {"school": world.school_a.pk})
    members = set(page.context["form"].fields["team"].queryset)
    assert {world.inspector, other_inspector} <= members
    assert world.committee not in members
    today = timezone.localdate()
    data = {
        "school": world.school_a.pk,
        "kind": "unannounced",
        "trigger": "opinion",
        "planned_start": today.isoformat(),
        "planned_end": (today + datetime.timedelta(days=1)).isoformat(),
        "scopes": ["tutoring", "fees"],
        "team": [world.inspector.pk, other_inspector.pk],
        "lead": other_inspector.pk,
    }
    response = client.post(url + f"?school={world.school_a.pk}", data)
    inspection = Inspection.objects.get()
    assert response.url == inspection.get_absolute_url()
    assert inspection.team.get(is_lead=True).user == other_inspector
    edit = reverse("inspections:inspection_edit", args=[inspection.pk])
    client.post(edit, {**data, "team": [world.inspector.pk], "lead": world.inspector.pk})
    assert list(inspection.team.values_list("user", flat=True)) == [world.inspector.pk]
    # A started inspection is no longer changed.
    services.inspection_transition(actor=world.inspector, inspection=inspection, name="start")
    assert client.post(edit, {**data, "scopes": ["fees"]}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.scopes == ["tutoring", "fees"]


def test_open_complaints_about_an_activity_are_a_sign_of_coercion(world):
    from inspections import complaints
    from schools import risk

    def flagged():
        return {f.activity.pk: f.codes for f in risk.flagged_activities(world.committee)}

    assert "complaints" not in flagged().get(world.programme_a.pk, [])
    complaint = complaints.complaint_file(
        school=world.school_a,
        activity=world.programme_a,
        category="coercion",
        description="Giáo viên chủ nhiệm gửi sẵn đơn, bảo cả lớp phải ký.",
        is_anonymous=True,
    )
    assert "complaints" in flagged()[world.programme_a.pk]
    # Never the school's: it must not learn that a family of that class complained.
    for head_sees in risk.flagged_activities(world.principal):
        assert "complaints" not in head_sees.codes
    # The inspection of the school shows it among what the portal knows.
    inspection = started(world)
    page = client_for(world.inspector).get(
        reverse("inspections:inspection_detail", args=[inspection.pk])
    )
    assert [c.pk for c in page.context["known"].complaints] == [complaint.pk]
    complaints.complaint_close(actor=world.committee, complaint=complaint, answer="Đã xác minh.")
    assert "complaints" not in flagged().get(world.programme_a.pk, [])


def test_an_unannounced_inspection_to_come_is_never_named_to_the_school(world):
    hidden = order(world)
    periodic = Inspection(
        school=world.school_a,
        kind=Inspection.Kind.PERIODIC,
        trigger=Inspection.Trigger.PUBLIC_OPINION,
        follows=hidden,
        planned_start=timezone.localdate(),
        planned_end=timezone.localdate(),
        scopes=[Scope.FEES],
    )
    # Only a follow-up follows an inspection...
    saved = services.inspection_save(
        actor=world.department, inspection=periodic, team=[world.inspector], lead=world.inspector
    )
    assert saved.follows is None
    page = client_for(world.principal).get(saved.get_absolute_url())
    assert hidden.code not in page.text
    # ...and only a concluded one.
    follow_up = Inspection(
        school=world.school_a,
        kind=Inspection.Kind.PERIODIC,
        trigger=Inspection.Trigger.FOLLOW_UP,
        follows=hidden,
        planned_start=timezone.localdate(),
        planned_end=timezone.localdate(),
        scopes=[Scope.FEES],
    )
    with pytest.raises(ValidationError) as error:
        services.inspection_save(
            actor=world.department,
            inspection=follow_up,
            team=[world.inspector],
            lead=world.inspector,
        )
    assert "follows" in error.value.message_dict


def test_odd_dates_and_ids_on_the_inspection_form_are_refused_by_field(world):
    client = client_for(world.department)
    url = reverse("inspections:inspection_new") + f"?school={world.school_a.pk}"
    data = {
        "school": world.school_a.pk,
        "kind": "periodic",
        "trigger": "opinion",
        "planned_start": "9999-12-30",
        "planned_end": "9999-12-31",
        "scopes": ["fees"],
        "team": [world.inspector.pk],
        "lead": world.inspector.pk,
    }
    response = client.post(url, data)
    assert "planned_start" in response.context["form"].errors
    long_visit = {**data, "planned_start": timezone.localdate().isoformat()}
    long_visit["planned_end"] = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    assert "planned_end" in client.post(url, long_visit).context["form"].errors
    response = client.post(url, {**long_visit, "team": ["99999999999999999999999"]})
    assert response.status_code == 200 and "team" in response.context["form"].errors
    assert not Inspection.objects.exists()


def test_the_history_is_written_in_the_records_language_whatever_the_actor_reads(world):
    from django.utils import translation

    with translation.override("en"):
        inspection = started(world)
        finding_in(inspection, world.inspector)
    summaries = list(inspection.events.values_list("summary", flat=True))
    assert summaries[1] == "Đã bắt đầu thanh tra, kiểm tra"
    assert summaries[2].startswith("Phát hiện: ")


def test_an_answered_checklist_is_kept_as_it_was_in_the_admin(world, django_user_model):
    from django.test import Client

    from inspections.checklists import ensure_default_checklist

    template = ensure_default_checklist()
    root = django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    client = Client()
    client.force_login(root)
    url = reverse("admin:inspections_checklisttemplate_change", args=[template.pk])
    assert 'name="questions-0-text"' in client.get(url).text
    inspection = started(world)
    question = template.questions.filter(scope__in=inspection.scopes).first()
    services.checklist_answer(
        actor=world.inspector, inspection=inspection, question=question, answer="yes"
    )
    page = client.get(url).text
    assert 'name="questions-0-text"' not in page and question.text in page


def test_a_plan_counts_the_inspections_its_reader_sees(world, other_inspector):
    from inspections.models import InspectionPlan

    plan = services.plan_save(
        actor=world.department,
        plan=InspectionPlan(
            unit=world.province, school_year=world.year, title="Kế hoạch 12", scopes=["fees"]
        ),
    )
    for member in (world.inspector, other_inspector):
        Inspection.objects.filter(pk=order(world, team=[member]).pk).update(plan=plan)
    rows = client_for(world.inspector).get(reverse("inspections:plan_list")).context["page"]
    assert [p.n_inspections for p in rows] == [1]
    rows = client_for(world.department).get(reverse("inspections:plan_list")).context["page"]
    assert [p.n_inspections for p in rows] == [2]


def test_ids_in_the_address_too_large_for_the_database_are_ignored(world):
    huge = "9" * 30
    inspection = started(world)
    department = client_for(world.department)
    for params in ({"school": huge}, {"plan": huge, "complaint": huge, "follows": huge}):
        assert department.get(reverse("inspections:inspection_new"), params).status_code == 200
    url = reverse("inspections:finding_new", args=[inspection.pk])
    response = client_for(world.inspector).get(url, {"answer": huge, "activity": huge})
    assert response.status_code == 200
