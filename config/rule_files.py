"""Rule files admins edit as YAML (ticket rules, compliance rules): one mechanism for all of them.

A file lives in the data dir; until an admin saves one, the packaged default applies. Text is parsed
into a pydantic model with every problem listed as ``rules[1].within_s: why``; a replacement is
validated before it is written atomically. Every process re-reads the file when its modification
time changes, so a saved rule applies without a restart; a file broken by hand keeps the last good
rules in use (the API never writes a bad one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from config.admin_files import write_atomically
from config.bounded_yaml import load_bounded_yaml
from config.errors import InvalidInputError

MAX_RULES_BYTES = 256_000
Model = TypeVar("Model", bound=BaseModel)


class RuleFileError(InvalidInputError):
    """Rules that cannot be used; the rules in use stay as they were. ``problems`` names each one."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "; ".join(self.problems)
        super().__init__(f"{message}: {detail}" if detail else message)
        self.summary = message

    def public_detail(self) -> object:
        return {"message": self.summary, "problems": self.problems or [str(self)]}


def _where(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def parse_rules_yaml(text: str, model: type[Model], error: type[RuleFileError]) -> Model:
    """Validate rules text into ``model``; raises ``error`` listing every problem."""
    # surrogatepass: a lone surrogate must reach the YAML reader, which refuses it, not crash here
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULES_BYTES:
        raise error(f"the rules are longer than {MAX_RULES_BYTES} bytes")
    try:
        data = load_bounded_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"the rules are not valid YAML{where}") from exc
    if data is None:
        data = {"rules": []}
    if not isinstance(data, dict):
        raise error("the rules file must be a mapping with a 'rules' list")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(tuple(e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                    for e in exc.errors()]  # fmt: skip
        raise error("the rules are not valid", problems) from exc


class WatchedRuleFile(Generic[Model]):
    """The rules in use for one file (or its packaged default); thread-safe, re-read on change.

    ``version`` grows each time different rules come into use, for caches built from them.
    """

    def __init__(self, path: Path, default: Path, parse: Callable[[str], Model], empty: Model) -> None:
        self.path, self.default, self._parse = path, default, parse
        self._lock = threading.Lock()
        self._seen: tuple[Path, float] | None = None
        self._rules, self._text = empty, ""
        self.version = 0

    def _refresh(self) -> None:
        source = self.path if self.path.exists() else self.default
        stamp = (source, source.stat().st_mtime) if source.exists() else (source, 0.0)
        if stamp == self._seen:
            return
        text = source.read_text(encoding="utf-8") if source.exists() else ""
        rules = self._parse(text) if self._seen is None else self._parse_or_keep(text)
        if rules is not self._rules:
            self.version += 1
        self._rules, self._text, self._seen = rules, text, stamp

    def _parse_or_keep(self, text: str) -> Model:
        try:
            return self._parse(text)
        except RuleFileError:
            return self._rules

    def current(self) -> tuple[Model, str]:
        """The rules in use and the YAML text they came from."""
        with self._lock:
            self._refresh()
            return self._rules, self._text

    def replace(self, text: str) -> Model:
        """Validate ``text`` and make it the file (atomically); raises :class:`RuleFileError` if invalid."""
        rules = self._parse(text)
        write_atomically(self.path, text)
        with self._lock:
            self._seen = None
            self._refresh()
        return rules


Book = TypeVar("Book")


class BookRegistry(Generic[Book]):
    """One book per file in a process, so every caller shares its cache."""

    def __init__(self, make: Callable[[Path], Book]) -> None:
        self._make = make
        self._books: dict[Path, Book] = {}
        self._lock = threading.Lock()

    def for_path(self, path: Path) -> Book:
        path = path.resolve()
        with self._lock:
            book = self._books.get(path)
            if book is None:
                book = self._books[path] = self._make(path)
            return book
