"""API token scopes. A module that adds API endpoints adds its scopes here, so tokens can be limited to them."""

ALL = "all"
READ = "read"
WRITE = "write"
ALERTS = "alerts"

SCOPES: dict[str, str] = {
    ALL: "Everything the token's owner may do (administrators only)",
    READ: "Read everything the token's owner may see",
    WRITE: "Change what the token's owner may change",
    ALERTS: "Send alerts (Alertmanager and generic alert webhooks) and nothing else",
}

ADMIN_ONLY_SCOPES = frozenset({ALL})


def grants(token_scopes: list[str], needed: str) -> bool:
    """Whether a token with token_scopes may call an endpoint that needs the scope needed."""
    if ALL in token_scopes or needed in token_scopes:
        return True
    # Writing implies reading what one writes, and sending alerts (a change like any other).
    return needed in (READ, ALERTS) and WRITE in token_scopes
