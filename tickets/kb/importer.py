"""Import knowledge-base entries (from `voxdesk kb import FILE`): upsert by key and publish.

Each changed article goes through the normal services, so it gets a version, a search index
update and a live event like an edit in the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa.assist.ranker import KbEntry
from tickets.desk.outbox import DeskRuntime
from tickets.kb import services
from tickets.kb.models import ArticleStatus, KbArticle
from tickets.kb.schemas import ArticleCreate, ArticleUpdate


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged (all published)"
        )


def import_entries(
    session: Session, runtime: DeskRuntime, entries: Sequence[KbEntry], editor: str = "kb-import"
) -> ImportSummary:
    """Create the articles whose key is new, update the others where they differ, publish all."""
    summary = ImportSummary()
    for entry in entries:
        article = session.scalar(select(KbArticle).where(KbArticle.key == entry.key))
        if article is None:
            services.create_article(
                session,
                runtime,
                ArticleCreate(
                    key=entry.key,
                    title=entry.title,
                    body=entry.body,
                    language=entry.language,
                    status=ArticleStatus.PUBLISHED,
                ),
                editor,
            )
            summary.created.append(entry.key)
            continue
        wanted = {
            "title": entry.title,
            "body": entry.body,
            "language": entry.language,
            "status": ArticleStatus.PUBLISHED.value,
        }
        if all(getattr(article, name) == value for name, value in wanted.items()):
            summary.unchanged.append(entry.key)
            continue
        services.update_article(session, runtime, article.id, ArticleUpdate.model_validate(wanted), editor)
        summary.updated.append(entry.key)
    return summary
