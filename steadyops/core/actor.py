from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from steadyops.core.requestid import current_request_id

if TYPE_CHECKING:
    from steadyops.accounts.models import ApiToken, User


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a signed-in person, a person through an API token, or steadyops itself."""

    user: User | None
    token: ApiToken | None = None
    system: str = ""

    @classmethod
    def of_request(cls, request: object) -> Actor:
        return cls(user=getattr(request, "user", None), token=getattr(request, "api_token", None))

    @classmethod
    def system_actor(cls, name: str) -> Actor:
        return cls(user=None, system=name)

    @property
    def label(self) -> str:
        if self.user is not None:
            base = self.user.username
            return f"{base} (token {self.token.name})" if self.token is not None else base
        return f"system: {self.system or 'steadyops'}"

    @property
    def request_id(self) -> str:
        return current_request_id()
