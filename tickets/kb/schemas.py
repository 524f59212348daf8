"""Knowledge-base request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tickets.desk.schemas import MAX_ID, Strict
from tickets.kb.models import ArticleStatus

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# An article's stable name (``kb:<key>`` in assist suggestions, the upsert key of `voxdesk kb import`).
ArticleKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
# The article's language as an ISO 639 code ("en", "zh"); assist prefers the customer's.
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class CategoryCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class CategoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    parent_id: int | None


class ArticleBase(Strict):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=200_000)
    category_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    status: ArticleStatus = ArticleStatus.DRAFT
    key: ArticleKey | None = None
    language: Language = "en"


class ArticleCreate(ArticleBase):
    pass


class ArticleUpdate(Strict):
    """Fields sent change; ``base_version`` (the version the editor started from) guards lost updates."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, max_length=200_000)
    category_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    tags: list[Tag] | None = Field(default=None, max_length=30)
    status: ArticleStatus | None = None
    key: ArticleKey | None = None
    language: Language | None = None
    base_version: int | None = Field(default=None, ge=1, le=MAX_ID)


class ArticlePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    body: str
    category_id: int | None
    tags: list[str]
    status: str
    version: int
    updated_by: str
    created_at: datetime
    updated_at: datetime
    key: str | None
    language: str


class ArticleVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    article_id: int
    version: int
    title: str
    body: str
    tags: list[str]
    status: str
    edited_by: str
    created_at: datetime


class SearchHit(BaseModel):
    id: int
    title: str
    snippet: str
    status: str
    version: int
    category_id: int | None
    score: float


class SearchPage(BaseModel):
    items: list[SearchHit]
    limit: int
    offset: int
    has_more: bool
