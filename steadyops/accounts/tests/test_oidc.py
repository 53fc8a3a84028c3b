import pytest
from django.test import override_settings

from steadyops.accounts.models import Role, User
from steadyops.accounts.oidc import SteadyopsOIDCBackend, username_from_email
from steadyops.core.models import AuditEntry

SETTINGS = {
    "OIDC_RP_CLIENT_ID": "steadyops",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_TOKEN_ENDPOINT": "http://127.0.0.1:9/token",
    "OIDC_OP_USER_ENDPOINT": "http://127.0.0.1:9/userinfo",
    "OIDC_RP_SIGN_ALGO": "HS256",
    "OIDC_DEFAULT_ROLE": "stakeholder",
}
pytestmark = pytest.mark.django_db


@pytest.fixture
def backend() -> SteadyopsOIDCBackend:
    with override_settings(**SETTINGS):
        yield SteadyopsOIDCBackend()


def test_it_creates_a_person_from_the_claims(backend: SteadyopsOIDCBackend) -> None:
    claims = {"email": "Maria.Lopez@Example.com", "given_name": "Maria", "family_name": "López", "name": "Maria López"}
    with override_settings(**SETTINGS):
        user = backend.create_user(claims)
    user.refresh_from_db()
    assert user.username == "maria.lopez"
    assert user.email == "maria.lopez@example.com"
    assert (user.display_name, user.first_name, user.last_name) == ("Maria López", "Maria", "López")
    assert user.role == Role.STAKEHOLDER
    assert not user.has_usable_password()
    entry = AuditEntry.objects.get(action="user.sso_create")
    assert entry.actor_label == "system: single sign-on"
    assert entry.after["role"] == "stakeholder"


def test_it_builds_the_name_from_given_and_family_names(backend: SteadyopsOIDCBackend) -> None:
    with override_settings(**SETTINGS):
        user = backend.create_user({"email": "a@example.com", "given_name": "Ann", "family_name": "Lee"})
    assert user.display_name == "Ann Lee"


def test_it_makes_the_user_name_unique(backend: SteadyopsOIDCBackend) -> None:
    User.objects.create_user(username="sam", email="sam@one.example")
    User.objects.create_user(username="sam2", email="sam@two.example")
    with override_settings(**SETTINGS):
        user = backend.create_user({"email": "SAM@three.example"})
    assert user.username == "sam3"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("new@example.com", "new2"),
        ("o'brien+ops@example.com", "obrien+ops"),
        ("<script>@example.com", "script"),
        ("!!!@example.com", "user"),
        ("x" * 200 + "@example.com", "x" * 150),
    ],
)
def test_it_cleans_user_names(email: str, expected: str) -> None:
    assert username_from_email(email) == expected


def test_it_keeps_long_unique_names_within_the_limit() -> None:
    User.objects.create_user(username="y" * 150)
    assert username_from_email("y" * 200 + "@example.com") == "y" * 149 + "2"


def test_it_updates_the_display_name_but_never_the_role(backend: SteadyopsOIDCBackend) -> None:
    user = User.objects.create_user(username="maria", email="maria@example.com", role=Role.OPERATOR, display_name="M")
    with override_settings(**SETTINGS):
        backend.update_user(user, {"email": "maria@example.com", "name": "Maria Lopez", "role": "admin"})
    user.refresh_from_db()
    assert user.display_name == "Maria Lopez"
    assert user.role == Role.OPERATOR
    assert AuditEntry.objects.filter(action="user.sso_update").count() == 1


def test_it_does_not_write_when_nothing_changed(backend: SteadyopsOIDCBackend) -> None:
    user = User.objects.create_user(username="maria", email="maria@example.com", display_name="Maria Lopez")
    with override_settings(**SETTINGS):
        backend.update_user(user, {"email": "maria@example.com", "name": "Maria Lopez"})
        backend.update_user(user, {"email": "maria@example.com"})
    assert not AuditEntry.objects.exists()


def test_it_requires_an_email_claim(backend: SteadyopsOIDCBackend) -> None:
    with override_settings(**SETTINGS):
        assert backend.verify_claims({"sub": "123"}) is False
        assert backend.verify_claims({"sub": "123", "email": "a@example.com"}) is True


def test_it_finds_existing_people_by_email_in_any_case(backend: SteadyopsOIDCBackend) -> None:
    user = User.objects.create_user(username="maria", email="maria@example.com")
    with override_settings(**SETTINGS):
        assert list(backend.filter_users_by_claims({"email": "MARIA@example.com"})) == [user]
