"""The base of every settings section, importable by feature packages without a cycle."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Base of every settings section: a misspelt key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
