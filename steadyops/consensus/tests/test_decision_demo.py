"""The demo's decision log: six records, one replaced by a later one, loading twice changes nothing."""

from __future__ import annotations

import pytest

from steadyops.consensus import demo_decisions
from steadyops.consensus.models import Decision
from steadyops.consensus.similar import install_search_index, similar_decisions
from steadyops.core import demo
from steadyops.core.models import AuditEntry


@pytest.fixture
def organisation(db: None) -> demo.DemoOrganisation:
    install_search_index()
    return demo._people_and_teams()


def test_it_writes_the_log_once(organisation: demo.DemoOrganisation) -> None:
    demo_decisions.load(organisation)
    assert Decision.objects.count() == 6
    assert organisation.created["decisions"] == 6
    monday = Decision.objects.get(title="Release every Monday morning")
    tuesday = Decision.objects.get(title="Release every Tuesday morning")
    assert (monday.status, tuesday.supersedes) == ("superseded", monday)
    audit_count = AuditEntry.objects.count()
    demo_decisions.load(organisation)
    assert Decision.objects.count() == 6
    assert AuditEntry.objects.count() == audit_count
    assert [d.title for d in similar_decisions("release on tuesday", limit=1)] == ["Release every Tuesday morning"]


def test_it_links_the_closed_topic_when_it_is_there(organisation: demo.DemoOrganisation) -> None:
    from steadyops.consensus.models import Topic

    topic = Topic.objects.create(
        question=demo_decisions.TUESDAY_TOPIC_QUESTION, created_by=organisation.people["priya"]
    )
    demo_decisions.load(organisation)
    tuesday = Decision.objects.get(title="Release every Tuesday morning")
    assert list(tuesday.topics.all()) == [topic]
    demo_decisions.load(organisation)
    assert tuesday.topics.count() == 1
