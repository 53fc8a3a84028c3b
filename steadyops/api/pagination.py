"""Page-number pagination for every list: ``?page=&page_size=`` in, ``{items, count, page, page_size}`` out.

@router.get("/teams", response=Page[TeamOut])
def list_teams(request, paging: Query[PageParams]):
    return paginate(Team.objects.order_by("name"), paging)
"""

from math import ceil
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

from steadyops.api.errors import ApiError, field_error

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

T = TypeVar("T")


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Which page, from 1.")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="How many items on a page.")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int = Field(description="How many items there are on all pages together.")
    page: int
    page_size: int


def paginate(queryset: QuerySet[Any], paging: PageParams) -> dict[str, Any]:
    """One page of queryset, which must be ordered. A page past the last one is a 422."""
    count = queryset.count()
    last_page = max(1, ceil(count / paging.page_size))
    if paging.page > last_page:
        message = f"There {'is' if last_page == 1 else 'are'} only {last_page} page{'' if last_page == 1 else 's'}."
        raise ApiError(422, f"page: {message}", details=[field_error("page", message, "query")])
    start = (paging.page - 1) * paging.page_size
    items = list(queryset[start : start + paging.page_size]) if count else []
    return {"items": items, "count": count, "page": paging.page, "page_size": paging.page_size}
