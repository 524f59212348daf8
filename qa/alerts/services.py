"""Storing and listing compliance alerts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa.alerts.models import QaAlert
from qa.alerts.schemas import FindingPayload
from qa.compliance.model import Finding
from qa.pci import redact_text

MAX_LISTED = 1000


def _payload(finding: Finding | FindingPayload) -> FindingPayload:
    if isinstance(finding, FindingPayload):
        return finding
    return FindingPayload(
        rule_id=finding.rule_id, kind=finding.kind, severity=finding.severity, speaker=finding.speaker,
        text=finding.text, start=finding.start, end=finding.end, score=finding.score,
        action="block" if finding.action == "block" else "warn",
    )  # fmt: skip


def record_findings(
    session: Session,
    findings: Iterable[Finding | FindingPayload],
    *,
    call_id: str | None = None,
    conversation_id: int | None = None,
    channel: str = "voice",
    agent: str | None = None,
) -> list[int]:
    """Store the findings (committed) and return their row ids; evidence is stored card-redacted.

    Idempotent: a finding already stored for the same call or conversation (same rule, kind and
    times), as when a job is redelivered after a worker crash, keeps its row and id.
    """
    ids: list[int] = []
    for finding in map(_payload, findings):
        existing = session.scalar(
            select(QaAlert.id).where(
                QaAlert.call_id.is_(None) if call_id is None else QaAlert.call_id == call_id,
                QaAlert.conversation_id.is_(None)
                if conversation_id is None
                else QaAlert.conversation_id == conversation_id,
                QaAlert.rule_id == finding.rule_id,
                QaAlert.kind == finding.kind,
                QaAlert.start == finding.start,
                QaAlert.end == finding.end,
            )
        )
        if existing is not None:
            ids.append(existing)
            continue
        row = QaAlert(
            call_id=call_id, conversation_id=conversation_id, channel=channel, agent=agent,
            rule_id=finding.rule_id, kind=finding.kind, severity=finding.severity,
            speaker=finding.speaker, evidence=redact_text(finding.text), start=finding.start, end=finding.end,
            score=finding.score, action=finding.action,
        )  # fmt: skip
        session.add(row)
        session.flush()
        ids.append(row.id)
    session.commit()
    return ids


def alerts_for(
    session: Session, *, call_id: str | None = None, conversation_id: int | None = None
) -> list[QaAlert]:
    """The alerts of one call or one conversation, in the order they happened."""
    query = select(QaAlert)
    if call_id is not None:
        query = query.where(QaAlert.call_id == call_id)
    if conversation_id is not None:
        query = query.where(QaAlert.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(QaAlert.start, QaAlert.id).limit(MAX_LISTED)))
