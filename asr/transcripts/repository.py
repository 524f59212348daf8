"""Database access for transcript segments (no SQL anywhere else)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asr.transcripts.models import TranscriptSegment
from asr.transcripts.schemas import TranscriptSegmentCreate, TranscriptSegmentPublic, WordPublic


def _to_public(row: TranscriptSegment) -> TranscriptSegmentPublic:
    return TranscriptSegmentPublic(
        id=row.id,
        call_id=row.call_id,
        leg=row.leg,
        speaker=row.speaker,
        start=row.start_ms / 1000,
        end=row.end_ms / 1000,
        text=row.text,
        confidence=row.confidence,
        words=[WordPublic.model_validate(w) for w in row.words],
        engine=row.engine,
    )


class TranscriptRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, segment: TranscriptSegmentCreate) -> TranscriptSegmentPublic:
        """Store a segment; storing the same (call, leg, start) again returns the existing row."""
        start_ms = round(segment.start * 1000)
        existing = self._find(segment.call_id, segment.leg, start_ms)
        if existing is not None:
            return _to_public(existing)
        row = TranscriptSegment(
            call_id=segment.call_id,
            leg=segment.leg,
            speaker=segment.speaker,
            start_ms=start_ms,
            end_ms=round(segment.end * 1000),
            text=segment.text,
            confidence=segment.confidence,
            words=[w.model_dump() for w in segment.words],
            engine=segment.engine,
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            # Another writer stored it between our check and insert (a redelivered job).
            again = self._find(segment.call_id, segment.leg, start_ms)
            assert again is not None
            return _to_public(again)
        return _to_public(row)

    def for_call(self, call_id: str) -> list[TranscriptSegmentPublic]:
        rows = self._session.scalars(
            select(TranscriptSegment)
            .where(TranscriptSegment.call_id == call_id)
            .order_by(TranscriptSegment.start_ms, TranscriptSegment.leg)
        )
        return [_to_public(r) for r in rows]

    def _find(self, call_id: str, leg: str, start_ms: int) -> TranscriptSegment | None:
        return self._session.scalar(
            select(TranscriptSegment).where(
                TranscriptSegment.call_id == call_id,
                TranscriptSegment.leg == leg,
                TranscriptSegment.start_ms == start_ms,
            )
        )
