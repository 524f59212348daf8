"""The scorecard job through a real ``celery worker`` process (the composition root's task list),
on PostgreSQL and the real Redis: a call-end job scores the call, and the job runs again while the
transcript's last segments are still being stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from desk.celery_worker import Worker, wait_for
from scorecard_helpers import store_segment, stored_call
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
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
