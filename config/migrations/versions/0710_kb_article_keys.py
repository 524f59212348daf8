"""knowledge-base articles get a stable key (imports, agent assist) and a language

Plain ALTER TABLE ADD COLUMN and CREATE INDEX (no batch table copy), so SQLite keeps the FTS5
triggers on kb_articles. Existing articles have no key (assist names them article-<id>) and are
marked Chinese when Han characters outnumber Latin words (the rule of qa.language), else English.

Revision ID: 0710
Revises: 0603
Create Date: 2026-12-02 14:00:00
"""

import re

import sqlalchemy as sa
from alembic import op

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")

revision = "0710"
down_revision = "0700"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("kb_articles", sa.Column("key", sa.String(length=100), nullable=True))
    op.add_column(
        "kb_articles", sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
    )
    op.create_index(op.f("ix_kb_articles_key"), "kb_articles", ["key"], unique=True)
    bind = op.get_bind()
    for article_id, title, body in bind.execute(sa.text("SELECT id, title, body FROM kb_articles")).all():
        text = f"{title} {body or ''}"
        han = len(HAN.findall(text))
        if han and han >= len(LATIN.findall(text)) / 4:
            bind.execute(sa.text("UPDATE kb_articles SET language = 'zh' WHERE id = :id"), {"id": article_id})


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_articles_key"), table_name="kb_articles")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place since 3.35 (no table copy, the FTS5 triggers stay).
        op.execute("ALTER TABLE kb_articles DROP COLUMN language")
        op.execute('ALTER TABLE kb_articles DROP COLUMN "key"')
    else:
        op.drop_column("kb_articles", "language")
        op.drop_column("kb_articles", "key")
