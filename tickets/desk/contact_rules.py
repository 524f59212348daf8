"""When a text contact opens a ticket: the seam the desk asks, and the default rule behind it.

A customer's message on a conversation with no live ticket is a *new contact*. The desk asks a
:class:`TextTicketRules` what to do with it: nothing (``None``) or a :class:`TicketPlan` (group,
priority, area, tags). The default, :class:`EveryNewContactOpensATicket`, opens one for every new
contact in the channel's default group (``desk.text_ticket_groups``). The admin-edited rules engine
(tickets/rules, YAML by channel, IVR choice, queue and disposition) plugs in here by implementing
the same one-method protocol; :func:`text_rules_from_settings` is the one place that picks it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.desk.models import Group, TicketPriority
from tickets.rules import ContactFacts, TicketRuleBook, combine, rule_book

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextContact:
    """A customer's written message that no live ticket holds yet."""

    channel: str  # email, webchat, sms, wechat (tickets.conversations.models.Channel values)
    conversation_id: int
    customer_id: int
    message_id: int
    subject: str
    body: str


@dataclass(frozen=True)
class TicketPlan:
    """The ticket a rule asks for; ``group`` is a group's name, as admins write it in rules."""

    group: str | None = None
    priority: TicketPriority = TicketPriority.NORMAL
    business_area: str = "general"
    tags: tuple[str, ...] = ()
    subject: str | None = None
    rule: str = "default"  # which rule decided, kept in the ticket's history


class TextTicketRules(Protocol):
    """Decides whether (and how) a new text contact opens a ticket."""

    def plan_for_text(self, session: Session, contact: TextContact) -> TicketPlan | None:
        """A plan for the ticket to open, or None when this contact opens none."""
        ...


@dataclass(frozen=True)
class EveryNewContactOpensATicket:
    """Every new text contact opens a ticket, in its channel's default group when one is set."""

    groups_by_channel: Mapping[str, str] = field(default_factory=dict)

    def plan_for_text(self, session: Session, contact: TextContact) -> TicketPlan:
        return TicketPlan(group=self.groups_by_channel.get(contact.channel), rule="default")


def group_id_named(session: Session, name: str | None) -> int | None:
    """The id of the group called ``name``; a name no group has is logged and left out.

    A rule naming a group that was renamed or removed must not lose the customer's ticket: it
    opens without a group (everyone sees unassigned tickets) instead.
    """
    if not name:
        return None
    group_id = session.scalar(select(Group.id).where(Group.name == name))
    if group_id is None:
        log.warning("rule names group %r, which does not exist: the ticket opens without a group", name)
    return group_id


@dataclass(frozen=True)
class RuleBookTextRules:
    """The admins' ticket rules (tickets/rules, the same file calls use) deciding for text contacts.

    A matching rule without a group puts the ticket in the channel's default group, when one is set.
    """

    book: TicketRuleBook
    groups_by_channel: Mapping[str, str] = field(default_factory=dict)

    def plan_for_text(self, session: Session, contact: TextContact) -> TicketPlan | None:
        action = combine(self.book.match(ContactFacts(channel=contact.channel)))
        if action is None:
            return None
        return TicketPlan(
            group=action.group or self.groups_by_channel.get(contact.channel),
            priority=action.priority or TicketPriority.NORMAL,
            business_area=action.business_area or "general",
            tags=tuple(action.all_tags),
            subject=action.subject,
            rule=action.rule or "rules",
        )


def text_rules_from_settings(groups_by_channel: Mapping[str, str], data_dir: Path) -> TextTicketRules:
    """The rules production uses: the admin-edited rules file in ``data_dir`` (or the packaged one)."""
    return RuleBookTextRules(rule_book(data_dir), dict(groups_by_channel))
