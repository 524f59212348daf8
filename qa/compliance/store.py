"""The compliance rules file admins edit: read (with the packaged default), validate, replace, reload.

The file lives at ``<data dir>/compliance_rules.yaml``; until an admin saves one, the packaged
``config/qa/compliance_rules.yaml`` applies. Every process re-reads the file when its modification
time changes and rebuilds its engine, so a saved rule applies to the next utterance without a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path

from config.rule_files import MAX_RULES_BYTES, BookRegistry, WatchedRuleFile, parse_rules_yaml
from config.settings import Settings
from qa.compliance.engine import ComplianceEngine
from qa.compliance.exceptions import ComplianceRuleFileError
from qa.compliance.model import RuleSet

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[2] / "config" / "qa" / "compliance_rules.yaml"
RULES_FILE_NAME = "compliance_rules.yaml"
__all__ = ["DEFAULT_RULES_FILE", "MAX_RULES_BYTES", "ComplianceRuleBook", "parse_rules", "read_rules_file"]


def parse_rules(text: str) -> RuleSet:
    """Validate rules text; :class:`ComplianceRuleFileError` lists each problem ("rules[1].within_s: why")."""
    return parse_rules_yaml(text, RuleSet, ComplianceRuleFileError)


def read_rules_file(path: Path) -> RuleSet:
    """The rules of a file given on the command line; a clear error when missing or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ComplianceRuleFileError(f"cannot read the rules file {path}: {exc}") from exc
    return parse_rules(text)


class ComplianceRuleBook(WatchedRuleFile[RuleSet]):
    """The compliance rules in use for one data directory, and their engine."""

    def __init__(self, path: Path, default: Path = DEFAULT_RULES_FILE) -> None:
        super().__init__(path, default, parse_rules, RuleSet())
        self._engine_lock = threading.Lock()
        self._engine: tuple[int, ComplianceEngine] | None = None

    def engine(self) -> ComplianceEngine:
        """The engine for the rules in use (built once per version of the file)."""
        rules, _ = self.current()
        with self._engine_lock:
            if self._engine is None or self._engine[0] != self.version:
                self._engine = (self.version, ComplianceEngine(rules))
            return self._engine[1]


_books = BookRegistry(ComplianceRuleBook)


def rule_book(data_dir: Path) -> ComplianceRuleBook:
    """The process's rule book for ``data_dir`` (one per directory, so every caller shares a cache)."""
    return _books.for_path(data_dir / RULES_FILE_NAME)


def load_rules(settings: Settings) -> RuleSet:
    """The compliance rules in effect: the data directory's file, else the packaged default."""
    return rule_book(settings.data_dir).current()[0]


def current_engine(settings: Settings) -> ComplianceEngine:
    """The engine for the rules in effect, rebuilt when the file changed."""
    return rule_book(settings.data_dir).engine()
