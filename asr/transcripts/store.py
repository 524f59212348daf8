"""Sinks that persist final segments without blocking the audio path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asr.frames import FinalTranscript, LegRef, PartialTranscript
from asr.sinks import LagReport
from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from asr.transcripts.tasks import STORE_SEGMENT_TASK
from config.db import session_scope

log = logging.getLogger(__name__)


class _FinalsOnly:
    def partial(self, transcript: PartialTranscript) -> None:
        return None

    def lag(self, report: LagReport) -> None:
        return None


class CelerySegmentSink(_FinalsOnly):
    """Enqueues each final as a ``voxdesk.asr.store_segment`` job (the production path)."""

    def __init__(
        self,
        celery: Any,
        speakers: dict[str, str] | None = None,
        speaker_of: Callable[[LegRef], str | None] | None = None,
    ) -> None:
        """``speakers`` maps a leg name to its speaker; ``speaker_of`` asks per leg (a media worker
        serving many calls learns each leg's speaker when the port is allocated)."""
        self._celery = celery
        self._speakers = speakers or {}
        self._speaker_of = speaker_of
        self.enqueued = 0

    def final(self, transcript: FinalTranscript) -> None:
        speaker = self._speaker_of(transcript.leg) if self._speaker_of else None
        speaker = speaker or self._speakers.get(transcript.leg.leg)
        segment = TranscriptSegmentCreate.from_final(transcript, speaker)
        self._celery.send_task(STORE_SEGMENT_TASK, args=[segment.model_dump(mode="json")])
        self.enqueued += 1


class DatabaseSegmentSink(_FinalsOnly):
    """Writes each final directly (``voxdesk analyze --store``); runs on the pipeline's sink thread."""

    def __init__(self, sessions: sessionmaker[Session], speakers: dict[str, str] | None = None) -> None:
        self._sessions = sessions
        self._speakers = speakers or {}
        self.stored = 0

    def final(self, transcript: FinalTranscript) -> None:
        segment = TranscriptSegmentCreate.from_final(transcript, self._speakers.get(transcript.leg.leg))
        with session_scope(self._sessions) as session:
            TranscriptRepository(session).add(segment)
        self.stored += 1
