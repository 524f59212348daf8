"""Knowledge-base tables: categories, articles and every published version of an article."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class KbCategory(Base):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="SET NULL"), default=None
    )


class KbArticle(Base):
    """The current state of an article; ``search_text`` is derived (see tickets.textsearch).

    ``key`` is the article's stable name for imports and agent assist (``kb:<key>``), ``language``
    the language it is written in (assist prefers articles in the customer's language).
    """

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="SET NULL"), default=None, index=True
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT.value, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    search_text: Mapped[str] = mapped_column(Text, default="")
    key: Mapped[str | None] = mapped_column(String(100), unique=True, index=True, default=None)
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class KbArticleVersion(Base):
    """A snapshot kept for every saved version, so edits can be reviewed and rolled back."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    edited_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
