"""Base schema and pagination shared by every domain."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Schema(BaseModel):
    """Strict input/output base: unknown fields are refused, ORM objects are readable."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, str_strip_whitespace=True)


class Page(Schema, Generic[T]):
    """A page of results with the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(Schema):
    """limit/offset query parameters."""

    limit: int = Field(20, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)
