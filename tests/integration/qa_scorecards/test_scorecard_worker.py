"""The scorecard job through a real ``celery worker`` process (the composition root's task list),
on PostgreSQL and the real Redis: a call-end job scores the call, and the job runs again while the
transcript's last segments are still being stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from desk.celery_worker import Worker, wait_for
from scorecard_helpers import store_segment, stored_call
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from asr.transcripts.models import TranscriptSegment
from asr.transcripts.tasks import STORE_SEGMENT_TASK
from config.db import make_engine, make_session_factory, session_scope
from config.jobs import create_celery
from qa.scorecards.models import Scorecard
from qa.scorecards.tasks import SCORE_CALL_TASK, SETTLE_S

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    yield redis_url
    client = redis.Redis.from_url(redis_url)  # our own database number: queues and unacked jobs
    for key in client.scan_iter(match="*"):
        client.delete(key)


def scorecard(factory: sessionmaker[Session], call_id: str) -> Scorecard | None:
    with factory() as session:
        return session.scalars(select(Scorecard).where(Scorecard.call_id == call_id)).first()


def test_a_real_worker_scores_an_ended_call_and_again_when_a_late_segment_arrives(
    migrated_postgres: Callable[[str], str], broker: str, tmp_path: Path
) -> None:
    url = migrated_postgres("qaworker")
    factory = make_session_factory(make_engine(url))
    facts = stored_call(factory, "agent7", ended_ago=0.0)  # hung up just now
    worker = Worker("scorecards", url, broker, tmp_path)
    try:
        worker.wait_ready()
        create_celery(broker).send_task(SCORE_CALL_TASK, args=[facts.model_dump(mode="json")])
        wait_for(lambda: scorecard(factory, facts.call_id) is not None, 60, f"no scorecard: {worker.log}")
        first = scorecard(factory, facts.call_id)
        assert first is not None and first.segments_scored == 6 and first.agent_id == "agent7"
        # The caller's last words are stored after the first score (their own job was slower).
        store_segment(factory, facts.call_id, "caller", 50.0, 52.0, "thanks, that fixed it")
        wait_for(
            lambda: (card := scorecard(factory, facts.call_id)) is not None and card.segments_scored == 7,
            SETTLE_S * 4,
            f"the late segment was never scored: {worker.log}",
        )
        # Refused facts are logged and dropped, never retried forever.
        create_celery(broker).send_task(SCORE_CALL_TASK, args=[{"call_id": "x y", "agent_id": ""}])
        wait_for(
            lambda: "scorecard job refused its facts" in worker.log.read_text(), 30, "bad facts not refused"
        )
    finally:
        worker.stop()
    latest = scorecard(factory, facts.call_id)
    assert latest is not None
    items = {item["key"]: item for item in latest.auto_items}
    assert items["resolution"]["status"] == "passed"


def test_a_segment_stored_after_the_call_was_scored_has_the_call_scored_again(
    migrated_postgres: Callable[[str], str], broker: str, tmp_path: Path
) -> None:
    url = migrated_postgres("qalate")
    factory = make_session_factory(make_engine(url))
    facts = stored_call(factory, "agent7", ended_ago=300.0)
    with session_scope(factory) as session:  # stored long ago: the job has nothing to wait for
        session.execute(update(TranscriptSegment).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
    celery = create_celery(broker)
    worker = Worker("scorecards-late", url, broker, tmp_path)
    try:
        worker.wait_ready()
        celery.send_task(SCORE_CALL_TASK, args=[facts.model_dump(mode="json")])
        wait_for(lambda: scorecard(factory, facts.call_id) is not None, 60, f"no scorecard: {worker.log}")
        # A media worker that was slow with the last words: its segment goes through the store job.
        late = {"call_id": facts.call_id, "leg": "caller", "start": 50.0, "end": 52.0, "confidence": 0.9,
                "text": "thanks, that fixed it"}  # fmt: skip
        celery.send_task(STORE_SEGMENT_TASK, args=[late])
        wait_for(
            lambda: (card := scorecard(factory, facts.call_id)) is not None and card.segments_scored == 7,
            30,
            f"the late segment was never scored: {worker.log}",
        )
    finally:
        worker.stop()
    lines = worker.log.read_text().splitlines()
    # Scored once at the end (nothing to wait for), then again by the segment: not by the settle loop.
    assert not [line for line in lines if "qa.score_call" in line and "retry" in line]
    assert [line for line in lines if "qa.segment_stored" in line and "succeeded" in line]
