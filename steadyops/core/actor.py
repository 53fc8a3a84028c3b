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

    @classmethod
    def cli(cls, user: User, command: str = "cli") -> Actor:
        """The server's command line acting for a named person, with exactly that person's rights.

        Whoever runs `steadyops` on the server controls its data already, so the command names
        the person it acts for (the token's owner, an administrator); permission checks and the
        audit log then see that person, and the label says the change came from the command line.
        """
        return cls(user=user, system=command)

    @property
    def label(self) -> str:
        if self.user is not None:
            base = self.user.username
            if self.token is not None:
                return f"{base} (token {self.token.name})"
            return f"{base} (via {self.system})" if self.system else base
        return f"system: {self.system or 'steadyops'}"

    @property
    def request_id(self) -> str:
        return current_request_id()
