"""Run Alembic migrations from Python (the CLI, ``voxdesk up`` and tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from config.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at Voxdesk's migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema up to ``revision``."""
    make_engine(database_url).dispose()  # creates the SQLite folder when needed
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the schema back down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def current_tables(database_url: str) -> set[str]:
    """The tables the database has now (for checks and tests)."""
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
