from django.contrib import admin

from steadyops.accounts.models import ApiToken, Team, User
from steadyops.core.models import AuditEntry, WorkerHeartbeat


def test_it_registers_the_models_read_only(rf, personas) -> None:  # type: ignore[no-untyped-def]
    request = rf.get("/admin/")
    request.user = personas.admin
    for model in (User, Team, ApiToken, AuditEntry, WorkerHeartbeat):
        model_admin = admin.site._registry[model]
        assert model_admin.has_add_permission(request) is False
        assert model_admin.has_change_permission(request) is False
        assert model_admin.has_delete_permission(request) is False


def test_it_never_shows_secrets(personas) -> None:  # type: ignore[no-untyped-def]
    assert "password" in admin.site._registry[User].exclude
    assert "token_hash" in admin.site._registry[ApiToken].exclude
