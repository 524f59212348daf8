"""End of an utterance (audio) to its live QA result on a console WebSocket client, as deployed.

Voxdesk runs as ``voxdesk up`` runs it (bench/e2e_transcript.py's harness: sandbox Asterisk, scratch
PostgreSQL, every process on its own). An admin sets one forbidden rule and publishes five articles
through the API. On one call the agent softphone makes forbidden promises (Piper) while the caller
asks questions, each matching an article; a supervisor's ``/ws/calls`` client timestamps every
event. Per agent line: the first ``qa.alert`` holding its closing words, minus the moment its last
sample was played; per caller question: the first ``qa.suggestion`` for its words. The matching
``transcript.final`` is timed too, so QA's own share (after the recogniser) shows. Prints JSON.

By default both parties talk at once (the recogniser decodes two legs together, the harder case);
``--sequential`` has the agent say all of their lines first, then the caller ask (one leg at a time).

Run: .venv/bin/python bench/qa.py [--utterances 10] [--sequential] [--engine whisper|vosk]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

# This folder holds qa.py: it must not shadow the qa package it measures.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "tests" / "integration" / "deployed"),
    str(ROOT / "tests" / "integration"),
]

from deployed_helpers import AGENT_PASSWORD, AGENT_SIP, ConsoleClient, Deployment, wait_for  # noqa: E402

from bench.e2e_transcript import console_call, deployed, side, words  # noqa: E402
from telephony.sipua.client import place_call, start_softphone  # noqa: E402
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan  # noqa: E402

RULES = """
rules:
  - id: no-profit-guarantee
    kind: forbidden
    speaker: agent
    severity: high
    examples:
      - this investment is guaranteed to make money
      - you cannot lose money with this fund
      - I promise you will double your money
"""
PROMISES = [
    "This fund is guaranteed to make you money.",
    "I promise you will double your money this year.",
    "You really cannot lose money with this fund.",
    "This investment is guaranteed to make a profit.",
    "Trust me, you will double your money with us.",
]
ARTICLES = [
    ("Refunds", "To get a refund for an order, open the order and choose request refund."),
    ("Delivery times", "Parcels arrive within two to four working days; track them from your account."),
    ("Resetting your password", "Choose forgot password on the sign-in page and follow the e-mailed link."),
    ("Cancelling a subscription", "Cancel your subscription any time under account, plans, cancel."),
    ("Opening hours", "Our phone lines are open from eight in the morning to eight in the evening."),
]
QUESTIONS = [
    "How do I get a refund for my order?",
    "When will my parcel be delivered?",
    "I forgot my password, how can I reset it?",
    "How can I cancel my subscription?",
    "What are your opening hours?",
]


def first_after(
    console: ConsoleClient,
    call_id: str,
    kind: str,
    field: str,
    played_at: float,
    ends: list[tuple[str, float]],
) -> list[float | None]:
    """Per utterance: the first ``kind`` event whose ``field`` holds one of its two closing words."""
    events = [
        (t, set(words(str(m["data"].get(field, "")))))
        for t, m in list(console.messages)
        if m["type"] == kind and m["data"].get("call_id") == call_id
    ]
    found: list[float | None] = []
    for text, end in ends:
        ended = played_at + end
        closing = set(words(text)[-2:])
        hits = [t - ended for t, said in events if t >= ended - 0.3 and closing & said]
        found.append(min(hits) if hits else None)
    return found


def summary(latencies: list[float | None]) -> dict[str, Any]:
    got = sorted(x for x in latencies if x is not None)
    if not got:
        return {"matched": 0, "of": len(latencies)}
    p95 = got[min(len(got) - 1, int(0.95 * (len(got) - 1) + 0.5))]
    return {"matched": len(got), "of": len(latencies), "p50_ms": round(1000 * statistics.median(got)),
            "p95_ms": round(1000 * p95), "max_ms": round(1000 * got[-1]),
            "each_ms": [None if x is None else round(1000 * x) for x in latencies]}  # fmt: skip


def prepare(deployment: Deployment) -> None:
    saved = deployment.api("dp-ada", "PUT", "/api/admin/compliance-rules", json={"yaml": RULES})
    assert saved.status_code == 200, saved.text
    for title, body in ARTICLES:
        answer = deployment.api("dp-ada", "POST", "/api/kb/articles",
                                json={"title": title, "body": body, "status": "published"})  # fmt: skip
        assert answer.status_code == 201, answer.text
    assert deployment.api("dp-alice", "POST", "/api/agents/me/login").status_code == 202
    wait_for(
        lambda: deployment.api("dp-alice", "GET", "/api/agents/me").json().get("status") == "available",
        15, "the agent available", deployment.describe,
    )  # fmt: skip
    time.sleep(6.0)  # the media worker's knowledge-base check runs every 5 s


def measure(
    deployment: Deployment, sip_server: str, work: Path, count: int, pause: float, sequential: bool
) -> dict[str, Any]:
    prepare(deployment)
    agent_ends = side(PROMISES, count, 2.0, pause, work / "agent.wav")
    # The caller's speech starts after the IVR, the queue and the agent's answer (about 4 s), or
    # after all the agent's lines (the caller's file starts playing about 4 s before the agent's).
    caller_lead = agent_ends[-1][1] + 8.0 if sequential else 5.0
    caller_ends = side(QUESTIONS, count, caller_lead, pause, work / "caller.wav")
    played: dict[str, float] = {}

    def on(leg: str) -> Any:
        def seen(event: dict[str, Any]) -> None:
            if event["event"] == "playing" and leg not in played:
                played[leg] = time.monotonic()

        return seen

    talk = max(caller_ends[-1][1], agent_ends[-1][1] + 4.0) + 3.0
    plan = CallPlan("1000", sip_server, wav=work / "caller.wav", play_at=1.0,
                    dtmf=(DtmfStep("1", 0.5),), hangup_after=1.0 + talk)  # fmt: skip
    phone = SoftphonePlan(AGENT_SIP, AGENT_PASSWORD, sip_server, wav=work / "agent.wav")
    results: list[CallResult] = []
    with deployment.console("dp-sue") as console, start_softphone(phone, on_event=on("agent")):
        caller = threading.Thread(
            target=lambda: results.append(place_call(plan, on_event=on("caller"))), daemon=True
        )
        caller.start()
        caller.join(plan.hangup_after + 30)
        time.sleep(3.0)  # the last words' results, flushed at hang-up
        call_id = console_call(console, deployment)
    assert results and results[0].answered and call_id, "the call was not answered"
    alert = first_after(console, call_id, "qa.alert", "text", played["agent"], agent_ends)
    suggestion = first_after(console, call_id, "qa.suggestion", "for_text", played["caller"], caller_ends)
    agent_final = first_after(console, call_id, "transcript.final", "text", played["agent"], agent_ends)
    caller_final = first_after(console, call_id, "transcript.final", "text", played["caller"], caller_ends)
    return {
        "bench": "end of an utterance (audio) -> its qa.alert / qa.suggestion on /ws/calls, as deployed",
        "engine": deployment.settings.asr.engine.value,
        "legs_talking": "one at a time" if sequential else "both at once",
        "alert": summary(alert),
        "suggestion": summary(suggestion),
        "transcript_final_agent": summary(agent_final),
        "transcript_final_caller": summary(caller_final),
        "qa_share_ms": {  # the result after its final: what live QA adds to recognition
            "alert": _shares(alert, agent_final),
            "suggestion": _shares(suggestion, caller_final),
        },
        "vad_hangover_ms": deployment.settings.asr.vad_hangover_ms,
        "goal_p95_ms": 1000,
        "console_feed_closed_with": console.closed_with,
    }


def _shares(results: list[float | None], finals: list[float | None]) -> list[int | None]:
    pairs = zip(results, finals, strict=True)
    return [None if r is None or f is None else round(1000 * (r - f)) for r, f in pairs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="whisper", choices=["auto", "vosk", "whisper"])
    parser.add_argument("--utterances", type=int, default=10, help="forbidden lines, and as many questions")
    parser.add_argument("--pause", type=float, default=2.5, help="silence after each utterance")
    parser.add_argument("--sequential", action="store_true", help="the agent's lines, then the caller's")
    args = parser.parse_args()
    with deployed(args.engine, "qa") as (deployment, sip_server, work):
        report = measure(deployment, sip_server, work, args.utterances, args.pause, args.sequential)
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
