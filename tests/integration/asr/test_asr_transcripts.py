"""Transcript storage: migration 0350 up and down, the repository and the Celery job, on real DBs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from asr.frames import FinalTranscript, LegRef, WordTiming
from asr.transcripts import tasks as tasks_module
from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from asr.transcripts.store import CelerySegmentSink, DatabaseSegmentSink
from asr.transcripts.tasks import (
    SEGMENT_STORED_TASK,
    SEGMENT_STORED_TASKS,
    STORE_SEGMENT_TASK,
    store_segment,
    store_segment_in,
)
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import current_tables, downgrade, upgrade

pytestmark = pytest.mark.integration


def final(call: str, leg: str, start: float, text: str) -> FinalTranscript:
    words = tuple(
        WordTiming(w, start + 0.3 * i, start + 0.3 * i + 0.25, 0.9) for i, w in enumerate(text.split())
    )
    return FinalTranscript(LegRef(call, leg), text, words[0].start, words[-1].end, 0.9, words, "vosk")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'voxdesk.db'}"
    return request.getfixturevalue("scratch_postgres_url")


def test_the_transcript_migration_goes_up_and_down(database_url: str) -> None:
    upgrade(database_url, "0350")
    assert "transcript_segments" in current_tables(database_url)
    downgrade(database_url, "0001")
    assert "transcript_segments" not in current_tables(database_url)
    upgrade(database_url, "0350")
    assert "transcript_segments" in current_tables(database_url)


def test_segments_are_stored_once_and_read_back_in_time_order(database_url: str) -> None:
    upgrade(database_url, "0350")
    sessions = make_session_factory(make_engine(database_url))
    sink = DatabaseSegmentSink(sessions, speakers={"agent": "agent1"})
    sink.final(final("c1", "caller", 4.2, "my order is late"))
    sink.final(final("c1", "agent", 1.0, "thank you for calling"))
    sink.final(final("c1", "caller", 4.2, "my order is late"))  # redelivered: no duplicate
    sink.final(final("c2", "caller", 0.5, "another call"))
    with session_scope(sessions) as session:
        rows = TranscriptRepository(session).for_call("c1")
    assert [(r.leg, r.text) for r in rows] == [
        ("agent", "thank you for calling"),
        ("caller", "my order is late"),
    ]
    assert rows[0].speaker == "agent1" and rows[1].speaker is None
    assert rows[1].start == pytest.approx(4.2) and rows[1].words[0].word == "my"
    assert len(rows[1].words) == 4


def test_the_celery_job_stores_a_segment_and_rejects_a_bad_one_without_storing(database_url: str) -> None:
    upgrade(database_url, "0350")
    payload = TranscriptSegmentCreate.from_final(final("c9", "caller", 2.0, "cancel my plan")).model_dump(
        mode="json"
    )
    assert store_segment_in(database_url, payload) > 0
    bad = dict(payload, start=5.0, end=1.0)
    with pytest.raises(ValidationError):
        store_segment_in(database_url, bad)
    with pytest.raises(ValidationError):
        store_segment_in(database_url, dict(payload, confidence=7))
    sessions = make_session_factory(make_engine(database_url))
    with session_scope(sessions) as session:
        assert [r.text for r in TranscriptRepository(session).for_call("c9")] == ["cancel my plan"]


def test_the_job_is_registered_under_its_string_name_and_runs(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url, "0350")
    monkeypatch.setenv("VOXDESK_DATABASE_URL", url)
    payload = TranscriptSegmentCreate.from_final(final("c3", "agent", 1.0, "hello there")).model_dump(
        mode="json"
    )
    queued = RecordingCelery()
    monkeypatch.setattr(tasks_module.celery_app, "send_task", queued.send_task)
    assert store_segment.name == STORE_SEGMENT_TASK
    result = store_segment.apply(args=[payload])
    assert result.successful() and isinstance(result.result, int)
    # The stored segment goes on to the call's conversation and to post-call QA, by the jobs' names
    # (asr imports neither tickets nor qa).
    assert queued.sent == [(SEGMENT_STORED_TASK, [payload]), (SEGMENT_STORED_TASKS[1], [payload])]


class RecordingCelery:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[object]]] = []

    def send_task(self, name: str, args: list[object]) -> None:
        self.sent.append((name, args))


def test_the_live_sink_only_enqueues_finals_as_json() -> None:
    celery = RecordingCelery()
    sink = CelerySegmentSink(celery)
    sink.final(final("c4", "caller", 0.0, "hi"))
    assert celery.sent[0][0] == STORE_SEGMENT_TASK
    TranscriptSegmentCreate.model_validate(celery.sent[0][1][0])
