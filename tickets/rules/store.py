"""The ticket rules file admins edit: ``<data dir>/ticket_rules.yaml``, else the packaged
``config/tickets/rules.yaml`` (read, validated, replaced and reloaded by :mod:`config.rule_files`)."""

from __future__ import annotations

from pathlib import Path

from config.rule_files import MAX_RULES_BYTES, BookRegistry, WatchedRuleFile, parse_rules_yaml
from tickets.rules.exceptions import RuleFileError
from tickets.rules.matching import match
from tickets.rules.model import ContactFacts, RuleSet, TicketAction

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[2] / "config" / "tickets" / "rules.yaml"
RULES_FILE_NAME = "ticket_rules.yaml"
__all__ = ["DEFAULT_RULES_FILE", "MAX_RULES_BYTES", "TicketRuleBook", "parse_rules", "rule_book"]


def parse_rules(text: str) -> RuleSet:
    """Validate rules text; :class:`RuleFileError` lists every problem as "rules[1].when.queue: why"."""
    return parse_rules_yaml(text, RuleSet, RuleFileError)


class TicketRuleBook(WatchedRuleFile[RuleSet]):
    """The ticket rules in use for one data directory."""

    def __init__(self, path: Path, default: Path = DEFAULT_RULES_FILE) -> None:
        super().__init__(path, default, parse_rules, RuleSet())

    def match(self, contact: ContactFacts) -> list[TicketAction]:
        """The actions the rules in use ask for ``contact`` (see :func:`tickets.rules.matching.match`)."""
        rules, _ = self.current()
        return match(contact, rules)


_books = BookRegistry(TicketRuleBook)


def rule_book(data_dir: Path) -> TicketRuleBook:
    """The process's rule book for ``data_dir``."""
    return _books.for_path(data_dir / RULES_FILE_NAME)
