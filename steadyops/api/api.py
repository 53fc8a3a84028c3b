"""The one NinjaAPI, mounted at /api/v1/. Each module adds its router here."""

from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema

from steadyops.accounts.api import router as accounts_router
from steadyops.api import errors
from steadyops.api.auth import SessionAuth, TokenAuth, scope_for_method, scoped
from steadyops.api.schemas import Error
from steadyops.catalog.api import router as catalog_router
from steadyops.consensus.api import router as consensus_router
from steadyops.demand.api import router as demand_router
from steadyops.incidents.api import router as incidents_router
from steadyops.notify.api import router as notify_router

# Answers any operation can give besides its own success: declared for every operation, so the document
# tells the truth about what a client may receive.
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503)


class _Document(OpenAPISchema):
    """ninja's OpenAPI document, plus the error answers and the scope each operation needs."""

    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        ref = self._error_schema_ref()
        for status in ERROR_STATUSES:
            if status == 401 and not operation.auth_callbacks:
                continue
            result.setdefault(
                status,
                {
                    "description": errors.DEFAULT_MESSAGES[status],
                    "content": {"application/json": {"schema": {"$ref": ref}}},
                },
            )
        return result

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        security = super().operation_security(operation)
        if not security:
            return security
        needed = self._scope(operation)
        # OpenAPI 3.1 lets a non-OAuth requirement name roles; the token's scope is that role here.
        return [{name: [needed] if name == TokenAuth.__name__ else [] for name in item} for item in security]

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        result = super().operation_details(operation)
        if operation.auth_callbacks:
            note = f"An API token needs the scope `{self._scope(operation)}`."
            result["description"] = f"{result['description']}\n\n{note}" if result.get("description") else note
        return result

    @staticmethod
    def _scope(operation: Operation) -> str:
        for auth in operation.auth_callbacks:
            if isinstance(auth, TokenAuth | SessionAuth):
                return auth.scope or scope_for_method(operation.methods[0])
        return scope_for_method(operation.methods[0])

    def _error_schema_ref(self) -> str:
        if "Error" not in self.schemas:
            schema = Error.model_json_schema(
                ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode="serialization"
            )
            self.add_schema_definitions(schema.pop("$defs", {}))
            self.schemas["Error"] = schema
        return REF_TEMPLATE.format(model="Error")


def _by_first_segment(patterns: list[URLResolver | URLPattern]) -> list[URLResolver | URLPattern]:
    """The same paths, nested by their first segment ("incidents/", then "reports"), in the same order.

    Django tries a URL list one entry at a time; ninja gives one flat entry per operation (over a hundred), so
    the last path in it cost a third of a millisecond to find. Nested, a lookup tries a few entries per level.
    Paths with different literal first segments can never match the same address, so nesting them changes no
    outcome; a list with a path that starts with a parameter is left flat, where order between groups matters.
    """
    routes = [str(pattern.pattern) if isinstance(pattern, URLPattern) else "<" for pattern in patterns]
    if any(route.startswith("<") for route in routes):
        return patterns
    result: list[URLResolver | URLPattern | str] = []
    groups: dict[str, list[URLResolver | URLPattern]] = {}
    for pattern, route in zip(patterns, routes, strict=True):
        head, slash, rest = route.partition("/")
        if not slash or not rest:
            result.append(pattern)
            continue
        if head not in groups:
            groups[head] = []
            result.append(head)
        assert isinstance(pattern, URLPattern)
        groups[head].append(path(rest, pattern.callback, kwargs=pattern.default_args, name=pattern.name or ""))
    return [
        path(f"{entry}/", include(_by_first_segment(groups[entry]))) if isinstance(entry, str) else entry
        for entry in result
    ]


class SteadyopsAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        return _by_first_segment(super()._get_urls())

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Document(self, path_prefix)


api = SteadyopsAPI(
    title="steadyops API",
    version="1",
    description=(
        "Send an API token as `Authorization: Bearer sto_…` (make one on your account page), "
        "or use the API from a signed-in browser, sending the CSRF token with every change."
    ),
    urls_namespace="api",
    docs_url="/docs",
    auth=scoped(),
)
errors.install(api)


api.add_router("", accounts_router)
api.add_router("/notifications", notify_router)
api.add_router("/catalog", catalog_router)
api.add_router("/demand", demand_router)
api.add_router("/consensus", consensus_router)
api.add_router("/incidents", incidents_router)
