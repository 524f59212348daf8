"""QA managers review scorecards (override item results and the total, with reasons); QA managers,
supervisors and admins leave coaching notes. The automatic values are never overwritten."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.models import User, utcnow
from qa.scorecards.access import Viewer, check_coach, check_review, readable
from qa.scorecards.exceptions import InvalidReviewError
from qa.scorecards.models import CoachingNote, Scorecard
from qa.scorecards.schemas import NoteCreate, NotePublic, ReviewUpdate, ScorecardPublic
from qa.scorecards.services import auto_items, effective_total, note_public, notes_of, to_public


def review_scorecard(
    session: Session, viewer: Viewer, scorecard_id: int, update: ReviewUpdate
) -> ScorecardPublic:
    """Replace the review of a scorecard: item overrides, total override, reviewed flag; commits."""
    card = readable(viewer, session.get(Scorecard, scorecard_id), str(scorecard_id))
    check_review(viewer)
    known = {item.key for item in auto_items(card)}
    unknown = sorted(set(update.items) - known)
    if unknown:
        raise InvalidReviewError(
            f"no item {', '.join(unknown)} on this scorecard; items: {', '.join(sorted(known))}"
        )
    card.overrides = {
        key: {"status": override.status.value, "reason": override.reason.strip()}
        for key, override in update.items.items()
    }
    card.override_total = update.total
    card.override_reason = (update.reason or "").strip() or None
    card.reviewed = update.reviewed
    card.effective_total = effective_total(card)
    card.reviewed_by = viewer.user_id
    card.reviewed_at = utcnow()
    session.commit()
    return to_public(card, notes_of(session, card.id))


def add_note(session: Session, viewer: Viewer, scorecard_id: int, note: NoteCreate) -> NotePublic:
    card = readable(viewer, session.get(Scorecard, scorecard_id), str(scorecard_id))
    check_coach(viewer)
    author = session.get(User, viewer.user_id)
    row = CoachingNote(
        scorecard_id=card.id,
        author_id=viewer.user_id,
        author_name=(author.display_name or author.username)[:128] if author else "",
        text=note.text.strip(),
    )
    session.add(row)
    session.commit()
    return note_public(row)
