"""The rules file admins edit: read (with the packaged default), validate, replace, reload on change.

The file lives at ``<data dir>/ticket_rules.yaml``; until an admin saves one, the packaged
``config/tickets/rules.yaml`` is used. Every process re-reads the file when its modification time
changes, so a saved rule applies to the next contact without a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from pydantic import ValidationError

from config.admin_files import write_atomically
from config.bounded_yaml import load_bounded_yaml
from tickets.rules.exceptions import RuleFileError
from tickets.rules.matching import match
from tickets.rules.model import ContactFacts, RuleSet, TicketAction

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[2] / "config" / "tickets" / "rules.yaml"
RULES_FILE_NAME = "ticket_rules.yaml"
MAX_RULES_BYTES = 256_000


def _where(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def parse_rules(text: str) -> RuleSet:
    """Validate rules text; :class:`RuleFileError` lists every problem as "rules[1].when.queue: why"."""
    # surrogatepass: a lone surrogate must reach the YAML reader, which refuses it, not crash here
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULES_BYTES:
        raise RuleFileError(f"the rules are longer than {MAX_RULES_BYTES} bytes")
    try:
        data = load_bounded_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RuleFileError(f"the rules are not valid YAML{where}") from exc
    if data is None:
        data = {"rules": []}
    if not isinstance(data, dict):
        raise RuleFileError("the rules file must be a mapping with a 'rules' list")
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise RuleFileError("the rules are not valid", problems) from exc


class TicketRuleBook:
    """The rules in use for one data directory; thread-safe, re-read when the file changes."""

    def __init__(self, path: Path, default: Path = DEFAULT_RULES_FILE) -> None:
        self.path = path
        self.default = default
        self._lock = threading.Lock()
        self._seen: tuple[Path, float] | None = None
        self._rules = RuleSet()
        self._text = ""

    def _source(self) -> Path:
        return self.path if self.path.exists() else self.default

    def _refresh(self) -> None:
        source = self._source()
        stamp = (source, source.stat().st_mtime) if source.exists() else (source, 0.0)
        if stamp == self._seen:
            return
        text = source.read_text(encoding="utf-8") if source.exists() else ""
        # A file broken by hand keeps the last good rules in use (the API never writes a bad one).
        rules = parse_rules(text) if self._seen is None else self._parse_or_keep(text)
        self._rules, self._text, self._seen = rules, text, stamp

    def _parse_or_keep(self, text: str) -> RuleSet:
        try:
            return parse_rules(text)
        except RuleFileError:
            return self._rules

    def current(self) -> tuple[RuleSet, str]:
        """The rules in use and the YAML text they came from."""
        with self._lock:
            self._refresh()
            return self._rules, self._text

    def match(self, contact: ContactFacts) -> list[TicketAction]:
        """The actions the rules in use ask for ``contact`` (see :func:`tickets.rules.matching.match`)."""
        rules, _ = self.current()
        return match(contact, rules)

    def replace(self, text: str) -> RuleSet:
        """Validate ``text`` and make it the rules file (atomically); raises RuleFileError if invalid."""
        rules = parse_rules(text)
        write_atomically(self.path, text)
        with self._lock:
            self._seen = None
            self._refresh()
        return rules


_books: dict[Path, TicketRuleBook] = {}
_books_lock = threading.Lock()


def rule_book(data_dir: Path) -> TicketRuleBook:
    """The process's rule book for ``data_dir`` (one per directory, so every caller sees one cache)."""
    path = (data_dir / RULES_FILE_NAME).resolve()
    with _books_lock:
        book = _books.get(path)
        if book is None:
            book = _books[path] = TicketRuleBook(path)
        return book
