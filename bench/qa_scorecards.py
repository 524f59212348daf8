"""How long a call's scorecard takes: the pure scoring of a long call, and scoring plus storing it.

Run on purpose (not in tests): ``.venv/bin/python -m bench.qa_scorecards [--segments 300]``. Builds a
call of alternating agent and caller segments with word timings (a 20-minute call at 300), scores it
with the real sentence encoder (each distinct sentence is encoded once per process, as in the
worker), replays it through the compliance engine on the packaged rules (every utterance encoded
once, then from the encoder's cache when the call is scored again), and stores it in a scratch
SQLite database (scoring without the replay, which is measured apart). Prints JSON (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate, TranscriptSegmentPublic, WordPublic
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from config.settings import Settings
from qa.scorecards.phrases import shared_phrase_book
from qa.scorecards.replay import replay
from qa.scorecards.schemas import CallFacts
from qa.scorecards.scoring import score_call
from qa.scorecards.services import score_and_store
from qa.scorecards.tasks import compliance_check
from qa.scorecards.timeline import on_call_clock

LINES = [
    ("agent", "hello, thank you for calling, how can I help you today"),
    ("caller", "my internet has been dropping every evening this week"),
    ("agent", "let me check the line from here, one moment please"),
    ("caller", "it happens mostly after seven in the evening"),
    ("agent", "I can see errors on your line, I will reset the port"),
    ("caller", "ok, it seems to work now, that solves my problem"),
]


def segments(call_id: str, count: int) -> list[TranscriptSegmentCreate]:
    out, t = [], 1.0
    for n in range(count):
        leg, text = LINES[n % len(LINES)]
        words = text.split()
        timed = [WordPublic(word=w, start=t + i * 0.35, end=t + i * 0.35 + 0.3, confidence=0.9)
                 for i, w in enumerate(words)]  # fmt: skip
        end = t + len(words) * 0.35
        out.append(TranscriptSegmentCreate(call_id=call_id, leg=leg, start=t, end=end, text=f"{text} {n}",
                                           confidence=0.9, words=timed))  # fmt: skip
        t = end + 0.8
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    loading = time.perf_counter()
    phrases = shared_phrase_book()  # loads the encoder and encodes the examples: once per worker
    load_ms = (time.perf_counter() - loading) * 1000
    call_id = f"bench-{uuid.uuid4().hex[:8]}"
    created = segments(call_id, args.segments)
    public = [TranscriptSegmentPublic(id=i + 1, **s.model_dump()) for i, s in enumerate(created)]
    facts = CallFacts(call_id=call_id, agent_id="agent1", offered_at=0.0, answered_at=0.0,
                      ended_at=public[-1].end, hold_s=30.0)  # fmt: skip
    first = time.perf_counter()
    score_call(on_call_clock(public, facts.offsets({"agent", "caller"})), facts, None, phrases)
    cold_ms = (time.perf_counter() - first) * 1000  # every sentence encoded for the first time
    pure = []
    for _ in range(args.runs):
        start = time.perf_counter()
        score_call(on_call_clock(public, facts.offsets({"agent", "caller"})), facts, None, phrases)
        pure.append((time.perf_counter() - start) * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        check = compliance_check(Settings(data_dir=Path(tmp)))  # the packaged rules
        assert check is not None
        spoken = on_call_clock(public, facts.offsets({"agent", "caller"}))
        replays = []
        for _ in range(2):  # the first run encodes every utterance, the second finds them cached
            start = time.perf_counter()
            replay(check, spoken, channel="voice", queue=None, end=public[-1].end)
            replays.append((time.perf_counter() - start) * 1000)
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        with session_scope(factory) as session:
            for segment in created:
                TranscriptRepository(session).add(segment)
        stored = []
        for _ in range(args.runs):
            start = time.perf_counter()
            with factory() as session:
                score_and_store(session, facts, None, phrases)
            stored.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        "segments": args.segments,
        "call_minutes": round(public[-1].end / 60, 1),
        "phrase_book_load_ms": round(load_ms),
        "score_cold_ms": round(cold_ms, 1),
        "score_ms_p50": round(statistics.median(pure), 1),
        "score_ms_max": round(max(pure), 1),
        "compliance_replay_cold_ms": round(replays[0]),
        "compliance_replay_cached_ms": round(replays[1]),
        "score_and_store_sqlite_ms_p50": round(statistics.median(stored), 1),
        "score_and_store_sqlite_ms_max": round(max(stored), 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
