"""The demo's incidents: on-call rotations and escalation policies, a past incident started by three sales and
support reports, and one declined press.

One contribution runs the parts in order: the incident pages whoever is on call, so the rotations come first.
"""

from steadyops.core import demo
from steadyops.incidents import demo_incidents, demo_oncall


@demo.contribution("incidents")
def load(organisation: demo.DemoOrganisation) -> None:
    demo_oncall.load(organisation)
    demo_incidents.load(organisation)
