"""Merge suggestions: a web-chat visitor's unverified claim to an identity another customer owns.

Typing an address into a chat widget proves nothing, so the claim never merges by itself. It is
stored as a pending suggestion; an agent who has checked who they are talking to accepts it (the
ordinary, undoable merge) or rejects it. The visitor is told nothing either way, so the widget
cannot be used to find out whether an address or number is known to us.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.models import AuditEntry
from tickets.customers.exceptions import MergeError, SuggestionNotFoundError
from tickets.customers.models import IdentityKind, MergeSuggestion, SuggestionStatus
from tickets.customers.services import merge_customers


def suggest_merge(
    session: Session,
    visitor_customer_id: int,
    matched_customer_id: int,
    kind: IdentityKind | str,
    value: str,
    source: str = "webchat",
) -> MergeSuggestion:
    """Record the claim once; the same claim made again returns the existing suggestion, whatever its state.

    ``value`` must already be normalised. A rejected claim stays rejected: repeating it in the widget
    does not put it back in front of an agent.
    """
    if visitor_customer_id == matched_customer_id:
        raise MergeError("a customer cannot be suggested for a merge with itself")

    def existing() -> MergeSuggestion | None:
        return session.scalar(
            select(MergeSuggestion).where(
                MergeSuggestion.visitor_customer_id == visitor_customer_id,
                MergeSuggestion.matched_customer_id == matched_customer_id,
                MergeSuggestion.identity_kind == str(kind),
                MergeSuggestion.identity_value == value,
            )
        )

    found = existing()
    if found is not None:
        return found
    suggestion = MergeSuggestion(
        visitor_customer_id=visitor_customer_id,
        matched_customer_id=matched_customer_id,
        identity_kind=str(kind),
        identity_value=value,
        source=source,
        status=SuggestionStatus.PENDING.value,
    )
    try:
        with session.begin_nested():
            session.add(suggestion)
    except IntegrityError:  # the same claim from two tabs at once
        again = existing()
        assert again is not None
        return again
    session.commit()
    return suggestion


def get_suggestion(session: Session, suggestion_id: int) -> MergeSuggestion:
    suggestion = session.get(MergeSuggestion, suggestion_id)
    if suggestion is None:
        raise SuggestionNotFoundError(f"merge suggestion {suggestion_id} does not exist")
    return suggestion


def _pending(session: Session, suggestion_id: int) -> MergeSuggestion:
    suggestion = get_suggestion(session, suggestion_id)
    if suggestion.status != SuggestionStatus.PENDING.value:
        raise MergeError(f"merge suggestion {suggestion_id} was already {suggestion.status}")
    return suggestion


def accept_suggestion(session: Session, suggestion_id: int, actor: str) -> MergeSuggestion:
    """The agent confirmed the visitor is the known customer: merge the visitor into them."""
    suggestion = _pending(session, suggestion_id)
    suggestion.status = SuggestionStatus.ACCEPTED.value
    suggestion.decided_at, suggestion.decided_by = datetime.now(UTC), actor[:64]
    try:
        # merge_customers commits, so the merge and the decision land together.
        record = merge_customers(
            session, suggestion.matched_customer_id, suggestion.visitor_customer_id, actor=actor
        )
    except MergeError:
        session.rollback()
        raise
    suggestion.merge_id = record.id
    session.commit()
    return suggestion


def reject_suggestion(session: Session, suggestion_id: int, actor: str) -> MergeSuggestion:
    """The claim was not confirmed; the customers stay apart and the decision is kept."""
    suggestion = _pending(session, suggestion_id)
    suggestion.status = SuggestionStatus.REJECTED.value
    suggestion.decided_at, suggestion.decided_by = datetime.now(UTC), actor[:64]
    session.add(
        AuditEntry(
            actor=actor,
            action="customer.merge_suggestion.reject",
            target=f"customer:{suggestion.matched_customer_id}",
            details={"suggestion_id": suggestion.id, "visitor_customer_id": suggestion.visitor_customer_id},
        )
    )
    session.commit()
    return suggestion


def list_suggestions(
    session: Session,
    status: SuggestionStatus | None = SuggestionStatus.PENDING,
    customer_id: int | None = None,
    limit: int = 200,
) -> list[MergeSuggestion]:
    """Suggestions by state, oldest first; ``customer_id`` keeps those where it is either side."""
    query = select(MergeSuggestion).order_by(MergeSuggestion.id).limit(limit)
    if status is not None:
        query = query.where(MergeSuggestion.status == status.value)
    if customer_id is not None:
        query = query.where(
            (MergeSuggestion.visitor_customer_id == customer_id)
            | (MergeSuggestion.matched_customer_id == customer_id)
        )
    return list(session.scalars(query))
