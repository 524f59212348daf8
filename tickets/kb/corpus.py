"""The published knowledge base as agent-assist entries, and a ranker kept in step with it.

Building a :class:`qa.assist.ranker.KbRanker` encodes every article (about a second for a few
dozen), so one ranker per process is reused until the published articles change. Whether they
changed is a cheap aggregate (count, newest edit, sum of versions) looked at most every few
seconds, so an editor's change reaches suggestions within that time without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qa.assist.ranker import KbEntry, KbRanker
from tickets.kb.models import ArticleStatus, KbArticle

CHECK_EVERY_S = 5.0


def entry_key(article: KbArticle) -> str:
    """The article's assist key: its own, else ``article-<id>``."""
    return article.key or f"article-{article.id}"


def load_entries(session: Session) -> list[KbEntry]:
    """Every published article as a ranker entry (oldest first, so ranks tie-break stably)."""
    articles = session.scalars(
        select(KbArticle).where(KbArticle.status == ArticleStatus.PUBLISHED.value).order_by(KbArticle.id)
    ).all()
    return [
        KbEntry(key=entry_key(a), title=a.title, body=a.body, language=a.language or "en", article_id=a.id)
        for a in articles
    ]


def published_stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever an article is published, edited while published, or withdrawn."""
    row = session.execute(
        select(func.count(KbArticle.id), func.max(KbArticle.updated_at), func.sum(KbArticle.version)).where(
            KbArticle.status == ArticleStatus.PUBLISHED.value
        )
    ).one()
    return tuple(row)


class RankerCache:
    """One ranker over the published KB, rebuilt when its stamp changes (checked every few seconds)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        check_every_s: float = CHECK_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._check_every_s = check_every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._ranker: KbRanker | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = float("-inf")

    def get(self) -> KbRanker:
        with self._lock:
            now = self._clock()
            if self._ranker is not None and now - self._checked_at < self._check_every_s:
                return self._ranker
            self._checked_at = now
            with self._factory() as session:
                stamp = published_stamp(session)
                if self._ranker is None or stamp != self._stamp:
                    self._ranker = KbRanker(load_entries(session))
                    self._stamp = stamp
            return self._ranker


_caches: dict[int, RankerCache] = {}
_caches_lock = threading.Lock()


def ranker_for(factory: sessionmaker[Session]) -> KbRanker:
    """The current ranker for the database ``factory`` opens (one cache per factory)."""
    with _caches_lock:
        cache = _caches.get(id(factory))
        if cache is None:
            cache = _caches[id(factory)] = RankerCache(factory)
    return cache.get()
