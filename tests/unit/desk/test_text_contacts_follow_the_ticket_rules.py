"""Text contacts are decided by the same admin-edited rules file as calls."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from sqlalchemy.orm import Session

from tickets.desk.contact_rules import TextContact, text_rules_from_settings
from tickets.desk.models import TicketPriority
from tickets.rules import rule_book

NO_SESSION = cast(Session, None)  # the rule-book rules read no rows


def _contact(channel: str) -> TextContact:
    return TextContact(channel=channel, conversation_id=1, customer_id=1, message_id=1, subject="s", body="b")


def test_packaged_rules_open_a_ticket_for_a_new_email_in_the_channels_group(tmp_path: Path) -> None:
    rules = text_rules_from_settings({"email": "Support"}, tmp_path)
    plan = rules.plan_for_text(NO_SESSION, _contact("email"))
    assert plan is not None
    assert (plan.group, plan.priority, plan.rule) == ("Support", TicketPriority.NORMAL, "new-text-contacts")


def test_an_admins_rule_file_decides_for_text_and_can_open_none(tmp_path: Path) -> None:
    rule_book(tmp_path).replace(
        "rules:\n"
        "  - name: sms-urgent\n"
        "    when: {channel: sms}\n"
        "    then: {group: Mobile, priority: urgent, category: SMS}\n"
    )
    rules = text_rules_from_settings({}, tmp_path)
    sms = rules.plan_for_text(NO_SESSION, _contact("sms"))
    assert sms is not None
    assert (sms.group, sms.priority, sms.tags) == ("Mobile", TicketPriority.URGENT, ("SMS",))
    assert rules.plan_for_text(NO_SESSION, _contact("email")) is None  # no rule names e-mail
