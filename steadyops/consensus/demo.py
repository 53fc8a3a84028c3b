"""The demo's consensus: two 0-5 topics, an idea board after top-five voting, a working session, a decision log.

One contribution runs the parts in the order they build on each other: the decision log links the topic that moved
on, so the topics come first.
"""

from steadyops.consensus import demo_boards, demo_decisions, demo_topics
from steadyops.core import demo


@demo.contribution("consensus")
def load(organisation: demo.DemoOrganisation) -> None:
    demo_topics.load(organisation)
    demo_boards.load_boards(organisation)
    demo_decisions.load(organisation)
