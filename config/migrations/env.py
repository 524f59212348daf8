"""Alembic environment: one history for every package's tables."""

from __future__ import annotations

from alembic import context

from config.db import Base, make_engine

# Complete only when every model module is imported: the composition root does that before an
# autogenerate (voxdesk.modules.import_models); plain upgrades run the scripts and need no metadata.
target_metadata = Base.metadata

# SQLite FTS5 keeps the knowledge base's index in a virtual table plus shadow tables
# (kb_articles_fts, kb_articles_fts_data, _idx, _content, _docsize, _config) that migration 0500
# creates with raw SQL; autogenerate must not see them as tables to drop.
IGNORED_TABLE_PREFIXES = ("kb_articles_fts",)
# PostgreSQL GIN expression indexes for full-text search, also made by hand in 0500.
IGNORED_INDEXES = frozenset({"ix_tickets_search", "ix_kb_articles_search"})


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave tables (and their indexes) that no model declares but a migration made by hand."""
    if type_ == "table" and name is not None:
        return not name.startswith(IGNORED_TABLE_PREFIXES)
    if type_ == "index":
        return name not in IGNORED_INDEXES
    return True


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    cfg = context.config
    url = str(cfg.attributes.get("database_url") or cfg.get_main_option("sqlalchemy.url"))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # Batch mode lets ALTER TABLE work on SQLite by copying the table.
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
