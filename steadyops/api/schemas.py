"""Schemas and value types shared by every module's API."""

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

# NUL cannot be stored in a PostgreSQL text column; refusing it here keeps it a 422 rather than a 500.
NO_NUL = r"^[^\x00]*$"

Slug = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]
Username = Annotated[str, StringConstraints(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")]


class InputSchema(Schema):
    """A request body: unknown fields are refused, so a misspelt field name is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    field: str | None = Field(description="The value at fault, or null when the problem is with the whole request.")
    location: str | None = Field(description="Where the value was sent: body, query, path or header.")
    message: str


class ErrorBody(Schema):
    code: str = Field(description="Stable code to branch on: not_authenticated, forbidden, not_found, invalid, …")
    message: str = Field(description="What went wrong, in words for a person.")
    details: list[FieldError] | dict[str, Any] | None = Field(description="For 422, one entry per value at fault.")


class Error(Schema):
    """Every answer other than success has this shape."""

    error: ErrorBody
