"""Knowledge-base services: categories, articles with a version per save, publishing live."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickets import textsearch
from tickets.desk.exceptions import ConflictError, InvalidInputError, NotFoundError
from tickets.desk.outbox import DeskRuntime, commit, outbox
from tickets.kb.events import ArticlePublished
from tickets.kb.models import ArticleStatus, KbArticle, KbArticleVersion, KbCategory
from tickets.kb.schemas import ArticleCreate, ArticleUpdate, CategoryCreate


def create_category(session: Session, data: CategoryCreate) -> KbCategory:
    if data.parent_id is not None and session.get(KbCategory, data.parent_id) is None:
        raise InvalidInputError(f"category {data.parent_id} does not exist")
    category = KbCategory(**data.model_dump())
    session.add(category)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"a category named {data.name!r} already exists") from exc
    return category


def list_categories(session: Session) -> Sequence[KbCategory]:
    return session.scalars(select(KbCategory).order_by(KbCategory.name)).all()


def get_article(session: Session, article_id: int) -> KbArticle:
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFoundError(f"article {article_id} does not exist")
    return article


def _snapshot(session: Session, article: KbArticle) -> None:
    article.search_text = textsearch.search_document(article.title, article.body, " ".join(article.tags))
    session.add(
        KbArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            body=article.body,
            tags=list(article.tags),
            status=article.status,
            edited_by=article.updated_by,
            created_at=article.updated_at,
        )
    )


def _announce(session: Session, article: KbArticle, was_published: bool) -> None:
    """Consoles hear of every change to what agents can see: published, edited or withdrawn."""
    if article.status == ArticleStatus.PUBLISHED or was_published:
        outbox(session).events.append(
            ArticlePublished(
                article_id=article.id,
                version=article.version,
                title=article.title,
                status=article.status,
                editor=article.updated_by,
            )
        )


def _check_key_free(session: Session, key: str | None, article_id: int | None = None) -> None:
    if key is None:
        return
    holder = session.scalar(select(KbArticle.id).where(KbArticle.key == key))
    if holder is not None and holder != article_id:
        raise ConflictError(f"article {holder} already has the key {key!r}")


def _commit_keyed(session: Session, runtime: DeskRuntime, key: str | None) -> None:
    """Commit; two editors racing for one key get a 409, not a 500."""
    try:
        commit(session, runtime)
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"another article already has the key {key!r}") from exc


def create_article(session: Session, runtime: DeskRuntime, data: ArticleCreate, editor: str) -> KbArticle:
    if data.category_id is not None and session.get(KbCategory, data.category_id) is None:
        raise InvalidInputError(f"category {data.category_id} does not exist")
    _check_key_free(session, data.key)
    now = runtime.clock.now()
    article = KbArticle(
        **data.model_dump(mode="json"), updated_by=editor[:64], created_at=now, updated_at=now
    )
    session.add(article)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create took the key after our check
        session.rollback()
        raise ConflictError(f"another article already has the key {data.key!r}") from exc
    _snapshot(session, article)
    _announce(session, article, was_published=False)
    _commit_keyed(session, runtime, data.key)
    return article


def update_article(
    session: Session, runtime: DeskRuntime, article_id: int, data: ArticleUpdate, editor: str
) -> KbArticle:
    """Save a new version; refused when someone else saved since ``base_version``."""
    article = session.get(KbArticle, article_id, with_for_update=True)
    if article is None:
        raise NotFoundError(f"article {article_id} does not exist")
    changes = data.model_dump(exclude_unset=True, mode="json")
    base = changes.pop("base_version", None)
    if base is not None and base != article.version:
        raise ConflictError(
            f"article {article_id} is at version {article.version}, not {base}: reload and redo"
        )
    for key in ("title", "body", "tags", "status", "language"):
        if key in changes and changes[key] is None:
            raise InvalidInputError(f"{key} cannot be null")
    if changes.get("key") is not None:
        _check_key_free(session, changes["key"], article_id)
    if changes.get("category_id") is not None and session.get(KbCategory, changes["category_id"]) is None:
        raise InvalidInputError(f"category {changes['category_id']} does not exist")
    if all(getattr(article, key) == value for key, value in changes.items()):
        return article  # nothing changed: no new version
    was_published = article.status == ArticleStatus.PUBLISHED
    for key, value in changes.items():
        setattr(article, key, value)
    article.version += 1
    article.updated_by = editor[:64]
    article.updated_at = runtime.clock.now()
    _snapshot(session, article)
    _announce(session, article, was_published)
    _commit_keyed(session, runtime, article.key)
    return article


def list_versions(session: Session, article_id: int) -> Sequence[KbArticleVersion]:
    get_article(session, article_id)
    return session.scalars(
        select(KbArticleVersion)
        .where(KbArticleVersion.article_id == article_id)
        .order_by(KbArticleVersion.version)
    ).all()


def list_articles(
    session: Session, *, status: ArticleStatus | None, category_id: int | None, limit: int, offset: int
) -> tuple[Sequence[KbArticle], bool]:
    query = select(KbArticle)
    if status is not None:
        query = query.where(KbArticle.status == status.value)
    if category_id is not None:
        query = query.where(KbArticle.category_id == category_id)
    rows = session.scalars(
        query.order_by(KbArticle.updated_at.desc(), KbArticle.id.desc()).offset(offset).limit(limit + 1)
    ).all()
    return rows[:limit], len(rows) > limit
