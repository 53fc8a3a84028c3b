"""The authorization matrix's vocabulary: what each persona should get from a URL.

The matrix test in core walks every URL pattern. Core's own expectations live there; each module declares its
URLs in `steadyops/<module>/tests/authz_<area>.py`, which defines `make_world(personas)` (the objects its URLs
need, made once per case) and `CASES` (url name → list of Case, whose callables receive that world).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from steadyops.testing.personas import NAMES

PERSONAS = NAMES  # admin, operator_a, operator_b, stakeholder, viewer, anonymous


def by_role(
    admin: int, operator_a: int, operator_b: int, stakeholder: int, viewer: int, anonymous: int
) -> dict[str, int]:
    return dict(zip(PERSONAS, (admin, operator_a, operator_b, stakeholder, viewer, anonymous), strict=True))


def everyone(status: int, anonymous: int | None = None) -> dict[str, int]:
    return by_role(status, status, status, status, status, status if anonymous is None else anonymous)


SIGNED_IN_PAGE = everyone(200, anonymous=302)
ADMIN_PAGE = by_role(200, 403, 403, 403, 403, 302)
ADMIN_POST = by_role(302, 403, 403, 403, 403, 302)
OWNER_PAGE = by_role(404, 200, 404, 404, 404, 302)
OWNER_POST = by_role(404, 302, 404, 404, 404, 302)
TEAM_A_EDIT = by_role(200, 200, 403, 403, 403, 302)
TEAM_A_POST = by_role(302, 302, 403, 403, 403, 302)
API_READ = everyone(200, anonymous=401)
OPERATOR_PAGE = by_role(200, 200, 200, 403, 403, 302)
TEAM_A_API = by_role(200, 200, 403, 403, 403, 401)
TEAM_A_API_CREATE = by_role(201, 201, 403, 403, 403, 401)


@dataclass
class Case:
    method: str
    expect: dict[str, int]
    kwargs: Callable[[Any], dict[str, Any]] = lambda w: {}
    data: Callable[[Any], dict[str, Any]] = lambda w: {}
    json: bool = False
    query: str = ""
    to_login: bool = True
