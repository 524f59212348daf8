"""Read a knowledge-base file (CSV or TSV, header ``key, title, body`` and optional ``language``).

One parser for ``voxdesk kb import FILE`` and ``voxdesk analyze --kb FILE``, so both accept and
refuse the same files; every problem is reported with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from qa.assist.exceptions import KbFileError
from qa.assist.ranker import KbEntry

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_TITLE = 300
MAX_BODY = 200_000
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,100}")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}")  # ISO 639 codes: en, zh, ...
REQUIRED = ("key", "title", "body")


def _delimiter(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        return "\t"
    if suffix == ".csv":
        return ","
    header = text.split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def parse_kb_text(text: str, *, name: str = "<kb>", delimiter: str = ",") -> list[KbEntry]:
    """Entries from the file's text; raises :class:`KbFileError` listing every bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise KbFileError(name, ["the file is empty (expected a header: key, title, body)"]) from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in (*REQUIRED, "language")]
    if missing or unknown or len(set(header)) != len(header):
        found = ", ".join(header) or "nothing"
        raise KbFileError(name, [f"line 1: the header must be key, title, body[, language]; found {found}"])
    index = {column: header.index(column) for column in header}
    entries: list[KbEntry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(entries) + len(problems) >= MAX_ROWS:
                problems.append(f"more than {MAX_ROWS} rows")
                break
            entry, problem = _entry(row, index, seen)
            if problem:
                problems.append(f"line {line}: {problem}")
            elif entry is not None:
                seen[entry.key] = line
                entries.append(entry)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        raise KbFileError(name, problems)
    return entries


def _entry(row: list[str], index: dict[str, int], seen: dict[str, int]) -> tuple[KbEntry | None, str]:
    if len(row) != len(index):
        return None, f"{len(row)} columns, expected {len(index)} (quote fields that contain the delimiter)"
    key, title, body = (row[index[c]].strip() for c in REQUIRED)
    language = row[index["language"]].strip().lower() if "language" in index else "en"
    language = language or "en"
    if not KEY_PATTERN.fullmatch(key):
        return None, f"key {key[:40]!r} must be 1-100 letters, digits, '_', '.' or '-'"
    if key in seen:
        return None, f"key {key!r} already used on line {seen[key]}"
    if not title or len(title) > MAX_TITLE:
        return None, f"title must be 1-{MAX_TITLE} characters"
    if len(body) > MAX_BODY:
        return None, f"body longer than {MAX_BODY} characters"
    if not LANGUAGE_PATTERN.fullmatch(language):
        return None, f"language {language[:20]!r} is not a two- or three-letter code such as en or zh"
    return KbEntry(key=key, title=title, body=body, language=language), ""


def read_kb_file(path: str | Path) -> list[KbEntry]:
    """Entries of a CSV (``.csv``) or TSV (``.tsv``; otherwise sniffed from the header) file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KbFileError(str(path), [f"{size} bytes; at most {MAX_FILE_BYTES} are read"])
        raw = path.read_bytes()
    except OSError as exc:
        raise KbFileError(str(path), [exc.strerror or str(exc)]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KbFileError(str(path), [f"not UTF-8 text (byte {exc.start})"]) from exc
    return parse_kb_text(text, name=str(path), delimiter=_delimiter(path, text))
