"""Search results as CSV for a spreadsheet: one row per line found.

A cell a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return, or their full-width forms) gets a leading apostrophe, so a customer who typed
``=HYPERLINK(...)`` in a chat cannot make the QA manager's spreadsheet act (CSV injection). The file
starts with a byte order mark so spreadsheet programs read Chinese as UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from tickets.conversations.search import SearchHit

# ASCII, then the full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) some spreadsheets also accept
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
COLUMNS = ("sent_at", "channel", "call_id", "conversation_id", "agent", "queue", "language", "speaker",
           "recording_at", "text", "score", "rule_hits")  # fmt: skip
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """The value as a CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    text = ";".join(value) if isinstance(value, tuple | list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def hits_as_csv(hits: Iterable[SearchHit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for hit in hits:
        values = hit.model_dump()
        values["sent_at"] = hit.sent_at.isoformat()
        writer.writerow([safe_cell(values[column]) for column in COLUMNS])
    return BOM + out.getvalue()
