from datetime import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steadyops.core.actor import Actor
from steadyops.core.models import AuditEntry
from steadyops.notify import services
from steadyops.notify.models import Preference


def test_it_saves_quiet_hours_and_time_zone(personas) -> None:  # type: ignore[no-untyped-def]
    user = personas.stakeholder
    services.update_preferences(
        actor=Actor(user=user), user=user, quiet_start=time(22), quiet_end=time(7), time_zone="Europe/Paris"
    )
    preference = Preference.objects.get(user=user)
    assert (preference.quiet_start, preference.quiet_end, preference.time_zone) == (time(22), time(7), "Europe/Paris")
    assert AuditEntry.objects.get(action="preference.update").after == {
        "quiet_start": "22:00:00",
        "quiet_end": "07:00:00",
        "time_zone": "Europe/Paris",
    }


@pytest.mark.parametrize(
    ("start", "end", "zone", "field"),
    [
        (None, None, "Mars/Olympus_Mons", "time_zone"),
        (None, None, "../../etc/passwd", "time_zone"),
        (None, None, "", "time_zone"),
        (time(22), None, "UTC", "quiet_end"),
        (None, time(7), "UTC", "quiet_start"),
        (time(7), time(7), "UTC", "quiet_end"),
    ],
)
def test_it_refuses_bad_preferences(personas, start, end, zone, field) -> None:  # type: ignore[no-untyped-def]
    user = personas.viewer
    with pytest.raises(ValidationError) as caught:
        services.update_preferences(actor=Actor(user=user), user=user, quiet_start=start, quiet_end=end, time_zone=zone)
    assert field in caught.value.message_dict
    assert Preference.objects.count() == 0


def test_it_lets_nobody_change_someone_elses_preferences(personas) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        services.update_preferences(
            actor=Actor(user=personas.admin), user=personas.viewer, quiet_start=None, quiet_end=None, time_zone="UTC"
        )
    assert Preference.objects.count() == 0
