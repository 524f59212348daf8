"""Ids as route parameters, bounded to the database's integer range (PostgreSQL ``integer``).

A larger id can name nothing; unbounded, it reached SQLite as an ``OverflowError`` (a 500).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_DB_ID = 2_147_483_647

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]
AfterIdQuery = Annotated[int, Query(ge=0, le=MAX_DB_ID, description="only rows after this id")]
BodyId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
