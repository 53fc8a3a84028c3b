"""Rotations, overrides and policies through the services and the pages: who is on call, and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from steadyops.accounts.models import User
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import EscalationPolicy, Override, Rotation
from steadyops.incidents.tests.authz_oncall import build_policy, build_rotation, make_world, rotation_form

pytestmark = pytest.mark.django_db


def _input(personas, **changes):
    values = {
        "name": "Nights",
        "period": "daily",
        "handoff_time": time(9, 0),
        "timezone": "Europe/Berlin",
        "starts_on": date(2025, 1, 1),
        "members": [personas.operator_a],
        "period_hours": None,
    }
    values.update(changes)
    return services.RotationInput(**values)


def test_it_says_who_is_on_call_with_overrides_winning(personas):
    rotation = build_rotation(personas, starts_on=date(2025, 3, 28))
    assert services.on_call(rotation, datetime(2025, 3, 28, 9, tzinfo=UTC)) == personas.operator_a
    assert services.on_call(rotation, datetime(2025, 3, 29, 9, tzinfo=UTC)) == personas.admin
    services.create_override(
        actor=Actor(user=personas.operator_a),
        rotation=rotation,
        user=personas.operator_b,
        starts_at=datetime(2025, 3, 29, 8, tzinfo=UTC),
        ends_at=datetime(2025, 3, 29, 10, tzinfo=UTC),
    )
    assert services.on_call(rotation, datetime(2025, 3, 29, 9, tzinfo=UTC)) == personas.operator_b
    assert AuditEntry.objects.filter(action="override.create").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"members": []}, "members"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "bad\x00name"}, "name"),
        ({"period": "monthly"}, "period"),
        ({"period": "custom", "period_hours": 0}, "period_hours"),
        ({"period": "custom", "period_hours": -3}, "period_hours"),
        ({"period": "custom", "period_hours": 10_000}, "period_hours"),
        ({"starts_on": date(1900, 1, 1)}, "starts_on"),
        ({"handoff_time": None}, "handoff_time"),
    ],
)
def test_it_refuses_bad_rotations_and_writes_nothing(personas, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.create_rotation(
            actor=Actor(user=personas.admin), team=personas.team_a, data=_input(personas, **changes)
        )
    assert field in caught.value.message_dict
    assert Rotation.objects.count() == 0


def test_it_refuses_a_person_twice_in_a_rotation(personas):
    with pytest.raises(ValidationError, match="only once"):
        services.create_rotation(
            actor=Actor(user=personas.admin),
            team=personas.team_a,
            data=_input(personas, members=[personas.operator_a, personas.operator_a]),
        )


def test_it_lets_only_the_teams_operators_manage_its_rotations(personas):
    with pytest.raises(PermissionDenied):
        services.create_rotation(actor=Actor(user=personas.operator_b), team=personas.team_a, data=_input(personas))
    with pytest.raises(PermissionDenied):
        services.create_rotation(actor=Actor(user=personas.stakeholder), team=personas.team_a, data=_input(personas))
    rotation = services.create_rotation(
        actor=Actor(user=personas.operator_a), team=personas.team_a, data=_input(personas)
    )
    assert rotation.team == personas.team_a


def test_it_refuses_an_override_ending_before_it_starts_or_lasting_too_long(personas):
    rotation = build_rotation(personas)
    now = timezone.now()
    for start, end in ((now, now - timedelta(hours=1)), (now, now), (now, now + timedelta(days=91))):
        with pytest.raises(ValidationError) as caught:
            services.create_override(
                actor=Actor(user=personas.admin), rotation=rotation, user=personas.admin, starts_at=start, ends_at=end
            )
        assert "ends_at" in caught.value.message_dict
    assert Override.objects.count() == 0


@pytest.mark.parametrize("wait", [0, -5, 1441, None, 10**9])
def test_it_refuses_bad_wait_minutes(personas, wait):
    with pytest.raises(ValidationError) as caught:
        build_policy(personas, [services.StepInput(wait_minutes=wait, user=personas.admin)])
    assert "1 to 1440 minutes" in caught.value.message_dict["steps"][0]
    assert EscalationPolicy.objects.count() == 0


def test_it_refuses_a_policy_without_steps_or_with_too_many_repeats(personas):
    with pytest.raises(ValidationError) as caught:
        build_policy(personas, [], repeat=6)
    assert set(caught.value.message_dict) == {"steps", "repeat"}


def test_it_refuses_a_step_naming_both_a_person_and_a_rotation(personas):
    rotation = build_rotation(personas)
    with pytest.raises(ValidationError, match="one person or one rotation"):
        build_policy(personas, [services.StepInput(wait_minutes=5, user=personas.admin, rotation=rotation)])


def test_it_keeps_one_default_policy_per_team(personas):
    first = build_policy(personas, [services.StepInput(wait_minutes=5, user=personas.admin)], name="A")
    second = build_policy(personas, [services.StepInput(wait_minutes=5, user=personas.admin)], name="B")
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    assert services.default_policy(personas.team_a) == second


def test_it_will_not_archive_a_rotation_a_policy_still_pages(personas):
    rotation = build_rotation(personas)
    build_policy(personas, [services.StepInput(wait_minutes=5, rotation=rotation)])
    with pytest.raises(ValidationError, match="Platform incidents"):
        services.archive_rotation(actor=Actor(user=personas.admin), rotation=rotation)


def test_it_shows_who_is_on_call_now_in_few_queries(personas, django_assert_max_num_queries):
    for index in range(5):
        rotation = build_rotation(personas, name=f"R{index}")
        services.create_override(
            actor=Actor(user=personas.admin),
            rotation=rotation,
            user=personas.operator_b,
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=2),
        )
    client = Client()
    client.force_login(personas.viewer)
    with django_assert_max_num_queries(10):
        response = client.get("/incidents/oncall/")
    assert response.status_code == 200
    assert (
        response.content.count(b"<strong>Operator A</strong>") + response.content.count(b"<strong>Admin</strong>") == 5
    )


def test_it_creates_a_rotation_from_the_form_with_members_in_order(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    data = {**rotation_form(world), "member_1": personas.admin.pk, "member_3": personas.operator_a.pk}
    response = client.post("/incidents/oncall/rotations/new/", data)
    assert response.status_code == 302
    rotation = Rotation.objects.get(name="Platform secondary")
    assert [m.user for m in rotation.members.order_by("position")] == [personas.admin, personas.operator_a]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"member_1": ""}, b"Add at least one person"),
        ({"timezone": "Nowhere/Else"}, b"Select a valid choice"),
        ({"period": "custom", "period_hours": "-1"}, b"custom period"),
        ({"handoff_time": "25:99"}, b"Enter a valid time"),
        ({"name": "x" * 500}, b"at most 100 characters"),
    ],
)
def test_it_shows_form_errors_and_writes_nothing(personas, changes, message):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    before = Rotation.objects.count()
    response = client.post("/incidents/oncall/rotations/new/", {**rotation_form(world), **changes})
    assert response.status_code == 400
    assert message in response.content
    assert Rotation.objects.count() == before


def test_it_reads_override_times_in_the_rotations_zone(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    response = client.post(
        f"/incidents/oncall/rotations/{world.rotation.pk}/overrides/new/",
        {"user": personas.operator_b.pk, "starts_at": "2030-07-01T10:00", "ends_at": "2030-07-01T12:00"},
    )
    assert response.status_code == 302
    override = Override.objects.get(user=personas.operator_b)
    assert override.starts_at == datetime(2030, 7, 1, 8, 0, tzinfo=UTC)


def test_it_refuses_an_override_form_ending_before_it_starts(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    response = client.post(
        f"/incidents/oncall/rotations/{world.rotation.pk}/overrides/new/",
        {"user": personas.operator_b.pk, "starts_at": "2030-07-01T10:00", "ends_at": "2030-07-01T09:00"},
    )
    assert response.status_code == 400
    assert b"The cover must end after it starts." in response.content
    assert not Override.objects.filter(user=personas.operator_b).exists()


def test_it_saves_a_policy_from_the_form_and_reports_bad_steps(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    bad = client.post(
        "/incidents/escalation/new/",
        {"team": personas.team_a.pk, "name": "Nights", "repeat": "0", "step_1_target": "u:999999", "step_1_wait": "5"},
    )
    assert bad.status_code == 400
    assert b"Select a valid choice" in bad.content
    zero = client.post(
        "/incidents/escalation/new/",
        {
            "team": personas.team_a.pk,
            "name": "Nights",
            "repeat": "0",
            "step_1_target": f"r:{world.rotation.pk}",
            "step_1_wait": "0",
        },
    )
    assert zero.status_code == 400
    assert b"Wait from 1 to 1440 minutes" in zero.content
    good = client.post(
        "/incidents/escalation/new/",
        {
            "team": personas.team_a.pk,
            "name": "Nights",
            "repeat": "2",
            "step_1_target": f"r:{world.rotation.pk}",
            "step_1_wait": "5",
            "step_2_target": f"u:{personas.admin.pk}",
            "step_2_wait": "15",
        },
    )
    assert good.status_code == 302
    policy = EscalationPolicy.objects.get(name="Nights")
    assert [(s.rotation_id, s.user_id, s.wait_minutes) for s in policy.steps.order_by("position")] == [
        (world.rotation.pk, None, 5),
        (None, personas.admin.pk, 15),
    ]


def test_it_pages_someone_now_from_the_form(personas):
    make_world(personas)
    client = Client()
    client.force_login(personas.operator_b)
    empty = client.post("/incidents/oncall/page/", {"target": f"u:{personas.operator_a.pk}", "reason": "   "})
    assert empty.status_code == 400
    response = client.post("/incidents/oncall/page/", {"target": f"u:{personas.operator_a.pk}", "reason": "Disk full"})
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert b"Operator A" in detail.content
    assert b"Waiting for someone to answer" in detail.content


def _colleagues(count):
    return [User.objects.create_user(username=f"colleague-{n:02d}", password="x") for n in range(1, count + 1)]


def _edit_data(rotation, members):
    data = {
        "team": rotation.team_id,
        "name": rotation.name,
        "period": rotation.period,
        "handoff_time": "09:00",
        "timezone": rotation.timezone,
        "starts_on": rotation.starts_on.isoformat(),
    }
    data.update({f"member_{row}": user.pk for row, user in enumerate(members, start=1)})
    return data


def test_it_shows_and_keeps_every_person_of_a_rotation_longer_than_the_new_form(personas):
    members = _colleagues(15)
    rotation = build_rotation(personas, members=members)
    client = Client()
    client.force_login(personas.operator_a)
    page = client.get(f"/incidents/oncall/rotations/{rotation.pk}/edit/")
    assert page.status_code == 200
    assert page.context["form"].rows == 15
    assert [field.value() for field in page.context["form"].member_fields()] == [user.pk for user in members]
    assert b"Add rows for more people" in page.content
    response = client.post(f"/incidents/oncall/rotations/{rotation.pk}/edit/", _edit_data(rotation, members))
    assert response.status_code == 302
    assert [m.user for m in rotation.members.order_by("position")] == members


def test_it_adds_rows_for_more_people_without_saving_and_keeps_what_was_typed(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    before = (Rotation.objects.count(), AuditEntry.objects.count())
    data = {**rotation_form(world), "member_2": personas.admin.pk, "name": "", "more_rows": "1"}
    response = client.post("/incidents/oncall/rotations/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.rows, form.is_bound, form.errors) == (15, False, {})
    assert [field.value() for field in form.member_fields()[:3]] == [
        str(personas.operator_a.pk),
        str(personas.admin.pk),
        None,
    ]
    assert b'name="member_15"' in response.content
    assert b"This field is required" not in response.content
    assert (Rotation.objects.count(), AuditEntry.objects.count()) == before


def test_it_stops_adding_rows_at_the_most_a_rotation_or_policy_can_have(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    crowded = {**rotation_form(world), "member_20": "", "member_999": "", "member_99999999999": "", "more_rows": "1"}
    response = client.post("/incidents/oncall/rotations/new/", crowded)
    assert response.status_code == 200
    assert (response.context["form"].rows, response.context["form"].can_add_rows) == (services.MAX_MEMBERS, False)
    assert b"Add rows for more people" not in response.content
    assert b'name="member_21"' not in response.content
    steps = client.post("/incidents/escalation/new/", {"name": "Nights", "step_9_wait": "", "more_rows": "1"})
    assert steps.status_code == 200
    assert (steps.context["form"].rows, steps.context["form"].can_add_rows) == (services.MAX_STEPS, False)
    assert b"Add rows for more steps" not in steps.content


def test_it_ignores_people_past_the_rows_a_rotation_can_have(personas):
    world = make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    response = client.post("/incidents/oncall/rotations/new/", {**rotation_form(world), "member_21": personas.admin.pk})
    assert response.status_code == 302
    rotation = Rotation.objects.get(name="Platform secondary")
    assert [m.user for m in rotation.members.order_by("position")] == [personas.operator_a]


def test_it_shows_and_keeps_every_step_of_a_policy_longer_than_the_new_form(personas):
    people = _colleagues(8)
    policy = build_policy(
        personas, [services.StepInput(wait_minutes=row, user=user) for row, user in enumerate(people, start=1)]
    )
    client = Client()
    client.force_login(personas.operator_a)
    page = client.get(f"/incidents/escalation/{policy.pk}/edit/")
    assert page.status_code == 200
    assert [(t.value(), w.value()) for t, w in page.context["form"].step_rows()] == [
        (f"u:{user.pk}", row) for row, user in enumerate(people, start=1)
    ]
    data = {"team": personas.team_a.pk, "name": policy.name, "repeat": "0", "is_default": "on"}
    for row, user in enumerate(people, start=1):
        data.update({f"step_{row}_target": f"u:{user.pk}", f"step_{row}_wait": str(row)})
    response = client.post(f"/incidents/escalation/{policy.pk}/edit/", data)
    assert response.status_code == 302
    assert [(s.user_id, s.wait_minutes) for s in policy.steps.order_by("position")] == [
        (user.pk, row) for row, user in enumerate(people, start=1)
    ]


def test_it_adds_rows_for_more_steps_without_saving(personas):
    make_world(personas)
    client = Client()
    client.force_login(personas.operator_a)
    before = EscalationPolicy.objects.count()
    data = {"team": personas.team_a.pk, "name": "Nights", "repeat": "1", "step_1_target": "", "more_rows": "1"}
    response = client.post("/incidents/escalation/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    # Six rows and five more, within the ten steps a policy can have.
    assert (form.rows, form.errors, form["name"].value(), form["repeat"].value()) == (10, {}, "Nights", "1")
    assert b'name="step_10_target"' in response.content
    assert EscalationPolicy.objects.count() == before
