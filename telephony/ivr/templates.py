"""Prompt text with ``{variable}`` or ``{customer.name}`` placeholders filled from session variables.

A tiny substitution of our own rather than ``str.format``: admins edit flows, and ``format`` would let a
template reach object attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\}")


def placeholders(text: str) -> list[str]:
    """The dotted names a template refers to."""
    return PLACEHOLDER.findall(text)


def _resolve(name: str, variables: Mapping[str, Any]) -> str:
    value: Any = variables
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    if value is None:
        return ""
    if isinstance(value, str) and value.isdigit() and len(value) > 1:
        # Read numbers digit by digit ("1 2 3 4"), as callers expect for order numbers.
        return " ".join(value)
    return str(value)


def render(text: str, variables: Mapping[str, Any]) -> str:
    """Fill placeholders; unknown names become empty text rather than failing mid-call."""
    return PLACEHOLDER.sub(lambda match: _resolve(match.group(1), variables), text)
