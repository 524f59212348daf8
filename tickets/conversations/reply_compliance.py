"""An agent's reply on a text conversation, checked against the compliance rules before it goes out.

A rule whose action is "block" refuses the reply (nothing sent; the alert is stored, so the attempt
is on record). "warn" rules hold the reply until the agent acknowledges their alerts; a reply sent
with its alerts acknowledged stores them. The same engine judges live calls.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from qa.alerts.services import record_findings
from qa.compliance.engine import ComplianceEngine
from qa.compliance.exceptions import ReplyRefusedError, UnacknowledgedAlertsError
from qa.compliance.model import Finding, Utterance
from tickets.conversations.models import Conversation


def _seconds_since_start(conversation: Conversation) -> float:
    started = conversation.created_at
    if started.tzinfo is None:  # SQLite gives naive datetimes back
        started = started.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - started).total_seconds())


def check_reply(
    session: Session,
    engine: ComplianceEngine,
    conversation: Conversation,
    body: str,
    *,
    acknowledged: bool,
    agent: str | None,
) -> list[Finding]:
    """The findings of a reply that may be sent; raises when it may not (see the module doc)."""
    at = _seconds_since_start(conversation)
    findings = engine.check(Utterance("agent", body, at, at), channel=conversation.channel)
    blocking = [f for f in findings if f.action == "block"]
    if blocking:
        record_findings(
            session, blocking, conversation_id=conversation.id, channel=conversation.channel, agent=agent
        )
        raise ReplyRefusedError(blocking)
    if findings and not acknowledged:
        raise UnacknowledgedAlertsError(findings)
    return findings


def record_sent_reply(
    session: Session, conversation: Conversation, findings: list[Finding], agent: str | None
) -> None:
    """Store the acknowledged alerts of a reply that went out."""
    if findings:
        record_findings(
            session, findings, conversation_id=conversation.id, channel=conversation.channel, agent=agent
        )
