"""Alembic environment: one history for every package's tables."""

from __future__ import annotations

from alembic import context

from config.db import Base, make_engine
from config.migrate import import_models

import_models()
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
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
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
