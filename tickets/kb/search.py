"""Full-text search over articles: a GIN-indexed tsvector on PostgreSQL, FTS5 on SQLite.

Both index the same derived column (see tickets.textsearch), so Chinese without spaces is found by
its character bigrams on either backend.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, cast, column, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from tickets import textsearch
from tickets.kb.models import ArticleStatus, KbArticle
from tickets.kb.schemas import SearchHit

SNIPPET_CHARS = 200
# The FTS5 table the 0500 migration creates on SQLite (not a mapped model: it is an index).
FTS_TABLE = table("kb_articles_fts", column("rowid", Integer), column("rank", Float))


def _snippet(body: str, tokens: list[str]) -> str:
    lower = body.lower()
    positions = [p for p in (lower.find(t) for t in tokens) if p >= 0]
    start = max(min(positions, default=0) - 40, 0)
    return body[start : start + SNIPPET_CHARS].replace("\n", " ")


def search_articles(
    session: Session,
    query: str,
    *,
    statuses: tuple[ArticleStatus, ...] = (ArticleStatus.PUBLISHED,),
    category_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[SearchHit], bool]:
    """Articles containing every word (or CJK bigram) of ``query``, best first."""
    tokens = textsearch.query_tokens(query)
    if not tokens:
        return [], False
    dialect = session.get_bind().dialect.name
    filters: list[Any] = [KbArticle.status.in_([s.value for s in statuses])]
    if category_id is not None:
        filters.append(KbArticle.category_id == category_id)
    if dialect == "postgresql":
        vector = func.array_to_tsvector(func.string_to_array(KbArticle.search_text, " "))
        tsquery = cast(textsearch.postgres_tsquery(tokens), TSQUERY)
        score = func.ts_rank(vector, tsquery)
        stmt = (
            select(KbArticle, score)
            .where(vector.op("@@")(tsquery), *filters)
            .order_by(score.desc(), KbArticle.id)
        )
    else:
        rank = FTS_TABLE.c.rank
        match = literal_column("kb_articles_fts").op("MATCH")(textsearch.fts5_query(tokens))
        stmt = (
            select(KbArticle, -rank)  # FTS5's bm25 rank is negative: smaller is better
            .join(FTS_TABLE, FTS_TABLE.c.rowid == KbArticle.id)
            .where(match, *filters)
            .order_by(rank, KbArticle.id)
        )
    rows = session.execute(stmt.offset(offset).limit(limit + 1)).all()
    hits = [
        SearchHit(
            id=article.id,
            title=article.title,
            snippet=_snippet(article.body, tokens),
            status=article.status,
            version=article.version,
            category_id=article.category_id,
            score=float(score_value or 0.0),
        )
        for article, score_value in rows[:limit]
    ]
    return hits, len(rows) > limit
