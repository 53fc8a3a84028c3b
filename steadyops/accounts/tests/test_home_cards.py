from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from steadyops.accounts.home import cards
from steadyops.accounts.models import Team, User
from steadyops.testing.personas import Personas


def test_it_shows_nothing_to_anonymous_visitors(personas: Personas) -> None:
    assert cards(AnonymousUser()) == []


def test_it_lists_the_persons_teams(personas: Personas) -> None:
    (card,) = cards(personas.operator_a)
    assert card.title == "Your teams"
    assert card.lines == ["Platform"]
    assert card.link_label == "Open Platform"
    assert card.link_url == "/teams/platform/"


def test_it_tells_a_person_without_a_team_what_to_do(personas: Personas) -> None:
    (card,) = cards(personas.viewer)
    assert card.lines == []
    assert card.empty_hint == "You are in no team yet — ask an administrator to add you to yours."
    assert card.tone == "warn"


def test_it_shows_admins_who_never_signed_in_and_empty_teams(personas: Personas) -> None:
    Team.objects.create(slug="search", name="Search")
    _, waiting, empty = cards(personas.admin)
    assert waiting.title == "People who never signed in"
    assert waiting.lines == ["Operator A", "Operator B", "Stakeholder", "Viewer"]
    assert empty.title == "Teams without members"
    assert empty.lines == ["Search"]


def test_it_shortens_long_lists(personas: Personas) -> None:
    User.objects.bulk_create([User(username=f"p{i}") for i in range(5)])
    _, waiting, _ = cards(personas.admin)
    assert waiting.lines[-1] == "and 4 more"
    assert len(waiting.lines) == 6


def test_it_says_what_to_do_when_all_is_well(personas: Personas) -> None:
    User.objects.update(last_login=timezone.now())
    _, waiting, empty = cards(personas.admin)
    assert waiting.empty_hint == "Everyone you invited has signed in. Invite a colleague from the People page."
    assert empty.empty_hint == "Every team has members. Create a team when a new group starts."
