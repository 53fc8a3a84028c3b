"""Working sessions through the service layer: conflicts, the details worked out, and the written record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steadyops.consensus import session_services as services
from steadyops.consensus.models.boards import Conflict, SessionStatus, WorkingSession
from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.testing.personas import Personas


def _session(personas: Personas) -> WorkingSession:
    return services.create_session(
        actor=Actor(user=personas.operator_a),
        title="Paging rules",
        purpose="Agree who is woken at night.",
        team=personas.team_a,
        participants=[personas.operator_b, personas.stakeholder],
    )


def test_it_starts_a_session_with_its_starter_taking_part(personas: Personas) -> None:
    session = _session(personas)
    assert session.status == SessionStatus.OPEN
    assert set(session.participants.values_list("username", flat=True)) == {"operator_a", "operator_b", "stakeholder"}
    entry = AuditEntry.objects.get(action="working_session.create")
    assert entry.actor == personas.operator_a


def test_it_refuses_viewers_starting_a_session(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.create_session(actor=Actor(user=personas.viewer), title="T")
    assert not WorkingSession.objects.exists()


@pytest.mark.parametrize(("title", "message"), [("", "Write the title"), ("x" * 201, "at most 200")])
def test_it_refuses_a_bad_title(personas: Personas, title: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        services.create_session(actor=Actor(user=personas.operator_a), title=title)
    assert message in str(raised.value)
    assert not WorkingSession.objects.exists()


def test_it_refuses_participants_who_can_no_longer_sign_in(personas: Personas) -> None:
    personas.operator_b.is_active = False
    personas.operator_b.save()
    with pytest.raises(ValidationError) as raised:
        _session(personas)
    assert "operator_b" in str(raised.value)


def test_it_lists_conflicts_in_order_and_settles_them(personas: Personas) -> None:
    session = _session(personas)
    runner = Actor(user=personas.operator_a)
    first = services.add_conflict(actor=runner, session=session, description="Who is paged for disk alerts?")
    second = services.add_conflict(actor=runner, session=session, description="Quiet hours for staging?")
    assert [conflict.order for conflict in (first, second)] == [0, 1]
    services.update_conflict(
        actor=runner,
        conflict=first,
        description=first.description,
        resolution="The day shift, unless the disk is over 95%.",
        resolved=True,
    )
    first.refresh_from_db()
    assert first.resolved
    assert first.resolution == "The day shift, unless the disk is over 95%."
    assert AuditEntry.objects.filter(action="conflict.resolve").count() == 1


def test_it_refuses_settling_a_conflict_without_the_details(personas: Personas) -> None:
    session = _session(personas)
    runner = Actor(user=personas.operator_a)
    conflict = services.add_conflict(actor=runner, session=session, description="Point")
    with pytest.raises(ValidationError) as raised:
        services.update_conflict(actor=runner, conflict=conflict, description="Point", resolution=" ", resolved=True)
    assert "Write down the details worked out" in str(raised.value)
    conflict.refresh_from_db()
    assert not conflict.resolved


def test_it_refuses_a_viewer_even_when_listed(personas: Personas) -> None:
    session = _session(personas)
    session.participants.add(personas.viewer)
    actor = Actor(user=personas.viewer)
    with pytest.raises(PermissionDenied):
        services.add_conflict(actor=actor, session=session, description="Mine")
    with pytest.raises(PermissionDenied):
        services.write_record(actor=actor, session=session, record="x")
    assert not Conflict.objects.exists()


def test_it_marks_the_record_final_only_when_written_and_settled(personas: Personas) -> None:
    session = _session(personas)
    runner = Actor(user=personas.operator_a)
    conflict = services.add_conflict(actor=runner, session=session, description="Point")
    with pytest.raises(ValidationError) as raised:
        services.mark_recorded(actor=runner, session=session)
    assert "Write the record" in str(raised.value)
    services.write_record(actor=runner, session=session, record="# Outcome\n\nWe agreed.")
    with pytest.raises(ValidationError) as raised:
        services.mark_recorded(actor=runner, session=session)
    assert "1 conflict is not settled yet" in str(raised.value)
    services.update_conflict(actor=runner, conflict=conflict, description="Point", resolution="Done.", resolved=True)
    services.mark_recorded(actor=runner, session=session)
    assert session.status == SessionStatus.RECORDED
    assert session.recorded_at is not None
    with pytest.raises(ValidationError) as raised:
        services.write_record(actor=runner, session=session, record="Changed")
    assert "final" in str(raised.value)
    with pytest.raises(ValidationError):
        services.add_conflict(actor=runner, session=session, description="Late")
    session.refresh_from_db()
    assert session.record == "# Outcome\n\nWe agreed."


def test_it_refuses_an_oversized_record(personas: Personas) -> None:
    session = _session(personas)
    with pytest.raises(ValidationError) as raised:
        services.write_record(actor=Actor(user=personas.operator_a), session=session, record="x" * 20001)
    assert "at most 20000" in str(raised.value)


def test_it_renders_the_record_without_raw_html() -> None:
    html = services.render_record("# Plan\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **done**")
    assert "<h1>Plan</h1>" in html
    assert "<script>" not in html
    assert 'href="javascript' not in html
    assert "<strong>done</strong>" in html


def test_a_participant_settles_a_conflict_and_others_may_not(personas: Personas) -> None:
    session = services.create_session(
        actor=Actor(user=personas.operator_a), title="Night paging", participants=[personas.stakeholder]
    )
    conflict = services.add_conflict(
        actor=Actor(user=personas.stakeholder), session=session, description="Who is paged first?"
    )
    assert list(session.conflicts.values_list("description", flat=True)) == ["Who is paged first?"]
    assert conflict.session == session
    with pytest.raises(PermissionDenied):
        services.add_conflict(actor=Actor(user=personas.operator_b), session=session, description="Me too")
