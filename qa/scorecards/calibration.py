"""Calibration: several QA reviewers score the same call on their own, and their agreement shows
how consistently the team applies the scorecard.

- submit (replace one's own results): QA managers and admins, every item of the scorecard
- read: QA managers, supervisors and admins. A QA reviewer sees the others' results only after
  submitting their own (blind, so nobody anchors on a colleague); supervisors and admins, who do not
  calibrate, see everything.

Agreement of two reviewers: the share of items both gave the same result ("not applicable" counts
as a result). The scorecard's agreement: the mean over every pair of reviewers.
"""

from __future__ import annotations

from itertools import combinations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.models import Role, User, utcnow
from qa.scorecards.access import Viewer, check_review, readable
from qa.scorecards.exceptions import InvalidReviewError
from qa.scorecards.models import Calibration, Scorecard
from qa.scorecards.schemas import (
    CalibrationEntry,
    CalibrationPublic,
    CalibrationUpdate,
    ItemStatus,
    ReviewerPair,
)
from qa.scorecards.scoring import weighted_total
from qa.scorecards.services import auto_items


def submit(
    session: Session, viewer: Viewer, scorecard_id: int, update: CalibrationUpdate
) -> CalibrationPublic:
    """Store (or replace) the viewer's own results of every item; commits."""
    card = readable(viewer, session.get(Scorecard, scorecard_id), str(scorecard_id))
    check_review(viewer)
    items = auto_items(card)
    known = {item.key for item in items}
    if set(update.items) != known:
        raise InvalidReviewError(f"score every item of this scorecard, no other: {', '.join(sorted(known))}")
    row = _own(session, card.id, viewer.user_id)
    if row is None:
        author = session.get(User, viewer.user_id)
        name = (author.display_name or author.username)[:128] if author else ""
        row = Calibration(scorecard_id=card.id, reviewer_id=viewer.user_id, reviewer_name=name)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # the same reviewer's other tab submitted a moment ago
            row = _own(session, card.id, viewer.user_id)
            assert row is not None
    row.items = {key: status.value for key, status in update.items.items()}
    row.total = weighted_total(items, lambda i: update.items[i.key])
    row.updated_at = utcnow()
    session.commit()
    return calibration_of(session, viewer, card.id)


def calibration_of(session: Session, viewer: Viewer, scorecard_id: int) -> CalibrationPublic:
    card = readable(viewer, session.get(Scorecard, scorecard_id), str(scorecard_id))
    rows = list(
        session.scalars(
            select(Calibration).where(Calibration.scorecard_id == card.id).order_by(Calibration.id)
        )
    )
    entries = [_entry(row) for row in rows]
    mine = next((e for e in entries if e.reviewer_id == viewer.user_id), None)
    if viewer.role is Role.QA_MANAGER and mine is None:  # blind until one's own results are in
        return CalibrationPublic(scorecard_id=card.id, reviewers=len(entries), mine=None, entries=[],
                                 agreement=None, pairs=[], disagreed=[])  # fmt: skip
    pairs = [
        ReviewerPair(first=a.reviewer_name, second=b.reviewer_name, agreement=agreement(a.items, b.items))
        for a, b in combinations(entries, 2)
    ]
    keys = sorted({key for e in entries for key in e.items})
    disagreed = [k for k in keys if len({e.items.get(k) for e in entries}) > 1]
    overall = round(sum(p.agreement for p in pairs) / len(pairs), 3) if pairs else None
    return CalibrationPublic(scorecard_id=card.id, reviewers=len(entries), mine=mine, entries=entries,
                             agreement=overall, pairs=pairs, disagreed=disagreed)  # fmt: skip


def agreement(first: dict[str, ItemStatus], second: dict[str, ItemStatus]) -> float:
    """The share (0-1) of the items both scored that they gave the same result."""
    shared = set(first) & set(second)
    if not shared:
        return 0.0
    return round(sum(first[k] == second[k] for k in shared) / len(shared), 3)


def _own(session: Session, scorecard_id: int, reviewer_id: int) -> Calibration | None:
    return session.scalars(
        select(Calibration).where(
            Calibration.scorecard_id == scorecard_id, Calibration.reviewer_id == reviewer_id
        )
    ).first()


def _entry(row: Calibration) -> CalibrationEntry:
    return CalibrationEntry(
        reviewer_id=row.reviewer_id,
        reviewer_name=row.reviewer_name,
        items={key: ItemStatus(value) for key, value in row.items.items()},
        total=row.total,
        updated_at=row.updated_at,
    )
