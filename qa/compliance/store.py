"""The compliance rules file admins edit: read (with the packaged default), validate, replace, reload.

The file lives at ``<data dir>/compliance_rules.yaml``; until an admin saves one, the packaged
``config/qa/compliance_rules.yaml`` applies. Every process re-reads the file when its modification
time changes and rebuilds its engine, so a saved rule applies to the next utterance without a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from pydantic import ValidationError

from config.admin_files import write_atomically
from config.bounded_yaml import load_bounded_yaml
from config.settings import Settings
from qa.compliance.engine import ComplianceEngine
from qa.compliance.exceptions import ComplianceRuleFileError
from qa.compliance.model import RuleSet

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[2] / "config" / "qa" / "compliance_rules.yaml"
RULES_FILE_NAME = "compliance_rules.yaml"
MAX_RULES_BYTES = 256_000


def _where(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def parse_rules(text: str) -> RuleSet:
    """Validate rules text; :class:`ComplianceRuleFileError` lists each problem ("rules[1].within_s: why")."""
    # surrogatepass: a lone surrogate must reach the YAML reader, which refuses it, not crash here
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULES_BYTES:
        raise ComplianceRuleFileError(f"the rules are longer than {MAX_RULES_BYTES} bytes")
    try:
        data = load_bounded_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ComplianceRuleFileError(f"the rules are not valid YAML{where}") from exc
    if data is None:
        data = {"rules": []}
    if not isinstance(data, dict):
        raise ComplianceRuleFileError("the rules file must be a mapping with a 'rules' list")
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(tuple(e['loc']))}: {_message(e['msg'])}" for e in exc.errors()]
        raise ComplianceRuleFileError("the rules are not valid", problems) from exc


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def read_rules_file(path: Path) -> RuleSet:
    """The rules of a file given on the command line; a clear error when missing or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ComplianceRuleFileError(f"cannot read the rules file {path}: {exc}") from exc
    return parse_rules(text)


class ComplianceRuleBook:
    """The rules in use for one data directory and their engine; thread-safe, re-read on change."""

    def __init__(self, path: Path, default: Path = DEFAULT_RULES_FILE) -> None:
        self.path = path
        self.default = default
        self._lock = threading.Lock()
        self._seen: tuple[Path, float] | None = None
        self._rules = RuleSet()
        self._text = ""
        self._engine: ComplianceEngine | None = None

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
        if rules is not self._rules:
            self._engine = None
        self._rules, self._text, self._seen = rules, text, stamp

    def _parse_or_keep(self, text: str) -> RuleSet:
        try:
            return parse_rules(text)
        except ComplianceRuleFileError:
            return self._rules

    def current(self) -> tuple[RuleSet, str]:
        """The rules in use and the YAML text they came from."""
        with self._lock:
            self._refresh()
            return self._rules, self._text

    def engine(self) -> ComplianceEngine:
        """The engine for the rules in use (built once per version of the file)."""
        with self._lock:
            self._refresh()
            if self._engine is None:
                self._engine = ComplianceEngine(self._rules)
            return self._engine

    def replace(self, text: str) -> RuleSet:
        """Validate ``text`` and make it the rules file (atomically); raises if invalid."""
        rules = parse_rules(text)
        write_atomically(self.path, text)
        with self._lock:
            self._seen = None
            self._refresh()
        return rules


_books: dict[Path, ComplianceRuleBook] = {}
_books_lock = threading.Lock()


def rule_book(data_dir: Path) -> ComplianceRuleBook:
    """The process's rule book for ``data_dir`` (one per directory, so every caller shares a cache)."""
    path = (data_dir / RULES_FILE_NAME).resolve()
    with _books_lock:
        book = _books.get(path)
        if book is None:
            book = _books[path] = ComplianceRuleBook(path)
        return book


def load_rules(settings: Settings) -> RuleSet:
    """The compliance rules in effect: the data directory's file, else the packaged default."""
    return rule_book(settings.data_dir).current()[0]


def current_engine(settings: Settings) -> ComplianceEngine:
    """The engine for the rules in effect, rebuilt when the file changed."""
    return rule_book(settings.data_dir).engine()
