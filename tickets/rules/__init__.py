"""Ticket rules shared by every channel: admins say which contacts open a ticket, and how.

Use from a channel::

    from tickets.rules import ContactFacts, rule_book, combine
    actions = rule_book(settings.data_dir).match(ContactFacts(channel="email", address="billing@..."))
    action = combine(actions)  # one ticket per contact; None: no rule asks for a ticket

``match(contact, ruleset)`` is the pure function underneath; ``parse_rules(text)`` validates a file.
"""

from tickets.rules.exceptions import RuleFileError
from tickets.rules.matching import combine, match
from tickets.rules.model import ContactFacts, RuleConditions, RuleSet, TicketAction, TicketRule
from tickets.rules.store import TicketRuleBook, parse_rules, rule_book

__all__ = [
    "ContactFacts",
    "RuleConditions",
    "RuleFileError",
    "RuleSet",
    "TicketAction",
    "TicketRule",
    "TicketRuleBook",
    "combine",
    "match",
    "parse_rules",
    "rule_book",
]
