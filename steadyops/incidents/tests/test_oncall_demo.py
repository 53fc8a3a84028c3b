"""The on-call demo data: loads, pages the right people, and loading twice changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from steadyops.core import demo
from steadyops.incidents import demo_oncall
from steadyops.incidents import oncall_services as services
from steadyops.incidents.models.oncall import EscalationPolicy, Override, Rotation

pytestmark = pytest.mark.django_db


def _organisation() -> demo.DemoOrganisation:
    return demo._people_and_teams()


def test_it_loads_rotations_policies_and_a_cover_once():
    organisation = _organisation()
    demo_oncall.load(organisation)
    counts = (Rotation.objects.count(), EscalationPolicy.objects.count(), Override.objects.count())
    assert counts == (4, 4, 1)
    demo_oncall.load(_organisation())
    assert (Rotation.objects.count(), EscalationPolicy.objects.count(), Override.objects.count()) == counts
    for rotation in Rotation.objects.all():
        assert services.on_call(rotation, timezone.now()) is not None
        assert services.default_policy(rotation.team) is not None
