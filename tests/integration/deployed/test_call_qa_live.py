"""Live QA on a call through Voxdesk as deployed: the agent's forbidden promise reaches the agent's and
a supervisor's ``/ws/calls`` as a ``qa.alert``; a disclosure never said raises its alert once its
deadline passes; the caller's question brings the agent a ``qa.suggestion`` of the matching article;
after the hang-up the alerts are stored (the media worker, web and Celery worker in their own
processes; the rules set through the admin API, the article through the knowledge-base API)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from deployed_helpers import AGENT_PASSWORD, AGENT_SIP, Deployment, wait_for
from speech_audio import spoken_wav, words_of

from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan

pytestmark = pytest.mark.integration

PROMISE = "This fund is guaranteed to make you money."
AGENT_LINES = ["Hello, thank you for calling.", PROMISE]
QUESTION = "How do I get a refund for my order?"
DISCLOSURE_WITHIN_S = 6.0
RULES = f"""
rules:
  - id: no-profit-guarantee
    kind: forbidden
    speaker: agent
    severity: high
    queues: [support]  # the call's queue reaches live QA with the agent's leg
    examples:
      - this investment is guaranteed to make money
      - you are sure to make a profit with this product
  - id: recording-notice
    kind: required
    speaker: agent
    severity: medium
    examples:
      - this call is recorded for quality and training purposes
    within_s: {DISCLOSURE_WITHIN_S}
"""
ARTICLES = [
    ("Refunds", "To get a refund for an order, open the order and choose request refund; "
                "the money is back on your card within five days."),
    ("Delivery times", "Parcels arrive within two to four working days; track them from your account."),
    ("Resetting your password", "Choose forgot password on the sign-in page and follow the e-mailed link."),
]  # fmt: skip


@pytest.fixture
def rules_in_force(deployment: Deployment) -> Any:
    """The test's rules, set as an admin sets them; the previous rules are put back afterwards."""
    before = deployment.api("dp-ada", "GET", "/api/admin/compliance-rules")
    assert before.status_code == 200, before.text
    saved = deployment.api("dp-ada", "PUT", "/api/admin/compliance-rules", json={"yaml": RULES})
    assert saved.status_code == 200, saved.text
    yield saved.json()
    deployment.api("dp-ada", "PUT", "/api/admin/compliance-rules", json={"yaml": before.json()["yaml"]})


def published_articles(deployment: Deployment) -> dict[str, str]:
    """Title -> assist key of each article, published through the knowledge-base API."""
    keys = {}
    for title, body in ARTICLES:
        answer = deployment.api("dp-ada", "POST", "/api/kb/articles",
                                json={"title": title, "body": body, "status": "published"})  # fmt: skip
        assert answer.status_code == 201, answer.text
        article = answer.json()
        keys[title] = article.get("key") or f"article-{article['id']}"
    return keys


def test_a_forbidden_promise_a_missing_disclosure_and_a_callers_question_reach_the_consoles_live(
    deployment: Deployment, deployed_asterisk: Any, rules_in_force: Any, tmp_path: Path
) -> None:
    keys = published_articles(deployment)
    caller_wav, agent_wav = tmp_path / "caller.wav", tmp_path / "agent.wav"
    # The caller asks once the agent is on (IVR, queue and answer take about 4 s of the call).
    spoken_wav([QUESTION], caller_wav, lead=6.0)
    spoken_wav(AGENT_LINES, agent_wav, pause=1.5, lead=1.0)
    caller_seconds = len(caller_wav.read_bytes()) / 16000
    login = deployment.api("dp-alice", "POST", "/api/agents/me/login")
    assert login.status_code == 202, login.text
    wait_for(
        lambda: deployment.api("dp-alice", "GET", "/api/agents/me").json().get("status") == "available",
        15, "the agent available", deployment.describe,
    )  # fmt: skip
    # Long enough after the agent's first words for the disclosure's deadline to pass mid-call.
    plan = CallPlan(
        "1000", deployed_asterisk.sip_server, wav=caller_wav, play_at=2.5,
        dtmf=(DtmfStep("1", 0.5),), hangup_after=2.5 + caller_seconds + 6.0,
    )  # fmt: skip
    results: list[CallResult] = []
    phone = SoftphonePlan(AGENT_SIP, AGENT_PASSWORD, deployed_asterisk.sip_server, wav=agent_wav)
    with deployment.console("dp-sue") as supervisor, deployment.console("dp-alice") as agent:

        def why() -> str:
            closed = f"\nfeeds closed with: supervisor {supervisor.closed_with}, agent {agent.closed_with}"
            return closed + deployment.describe()

        def alerts(console: Any, kind: str) -> list[dict[str, Any]]:
            return [m["data"] for m in console.of_call(call_id, "qa.alert") if m["data"]["kind"] == kind]

        with start_softphone(phone):
            caller = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
            caller.start()
            wait_for(lambda: bool(agent.call_ids()), 20, "the call on the agent's console", why)
            call_id = agent.call_ids()[0]
            wait_for(lambda: bool(alerts(agent, "missing_disclosure")), plan.hangup_after + 10,
                     "the missing disclosure's alert on the agent's console", why)  # fmt: skip
            ended = bool(agent.of_call(call_id, "call.ended"))
            caller.join(plan.hangup_after + 25)
        assert results and results[0].answered, results
        assert not ended, "the missing disclosure came only with the hang-up, not at its deadline"

        def both_see_the_promise() -> bool:
            return all(alerts(c, "forbidden") for c in (agent, supervisor))

        wait_for(both_see_the_promise, 30, "the forbidden promise's alert on both consoles", why)
        wait_for(lambda: bool(agent.of_call(call_id, "qa.suggestion")), 30, "a suggestion for the agent", why)
        wait_for(lambda: bool(supervisor.of_call(call_id, "call.ended")), 30, "the call's end", why)

    for console in (agent, supervisor):
        assert console.closed_with is None, console.closed_with
        [promise] = alerts(console, "forbidden")
        assert (promise["rule"], promise["leg"]) == ("no-profit-guarantee", "agent")
        assert promise["agent"] == AGENT_SIP
        assert {"guaranteed", "money"} <= set(words_of(promise["text"]).split()), promise
    [missing] = alerts(agent, "missing_disclosure")
    finals = agent.of_call(call_id, "transcript.final")
    agent_finals = [m["data"] for m in finals if m["data"]["leg"] == "agent"]
    assert missing["rule"] == "recording-notice" and agent_finals
    # Its deadline runs from the agent's first words (call time; the agent's leg starts later).
    assert missing["start"] >= min(f["start"] for f in agent_finals) + DISCLOSURE_WITHIN_S - 0.5, missing
    [first, *_] = agent.of_call(call_id, "qa.suggestion")
    assert first["data"]["suggestions"][0]["article"] == keys["Refunds"], first["data"]
    assert "refund" in words_of(first["data"]["for_text"])

    def stored() -> list[dict[str, Any]]:
        answer = deployment.api("dp-sue", "GET", f"/api/qa/alerts?call_id={call_id}")
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()
        return rows

    wait_for(lambda: len(stored()) >= 2, 30, "both alerts stored", deployment.describe)
    assert sorted(row["rule_id"] for row in stored()) == ["no-profit-guarantee", "recording-notice"]
    mine = deployment.api("dp-alice", "GET", f"/api/qa/alerts?call_id={call_id}")
    assert mine.status_code == 200 and len(mine.json()) == 2, mine.text  # the agent reads their call's
