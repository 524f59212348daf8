"""A call through Voxdesk as deployed, watched from the console: a pjsua2 caller picks the support
queue by DTMF, an agent softphone answers, both talk; clients on ``/ws/calls`` (this process; web
runs in its own) receive the call's state changes and the live transcript of both legs. After the
hang-up the call's conversation holds the transcript, and the ticket an admin's rule asks for links
the call (the controller, the media worker and the Celery worker each in their own process)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import jiwer
import pytest
from deployed_helpers import AGENT_PASSWORD, AGENT_SIP, Deployment, wait_for
from speech_audio import AGENT_SENTENCES, CUSTOMER_SENTENCES, spoken_wav, words_of

from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan

pytestmark = pytest.mark.integration

CALLER = CUSTOMER_SENTENCES[:3]
AGENT = AGENT_SENTENCES[:2]
RULES = """
rules:
  - name: support-calls
    when: {channel: voice, ivr_choice: support}
    then: {group: Support, category: Technical}
"""


def leg_text(finals: list[dict[str, Any]], leg: str) -> str:
    return words_of(" ".join(f["data"]["text"] for f in finals if f["data"]["leg"] == leg))


def test_a_call_answered_by_an_agent_reaches_the_console_with_states_and_both_legs_transcripts(
    deployment: Deployment, deployed_asterisk: Any, tmp_path: Path
) -> None:
    caller_wav, agent_wav = tmp_path / "caller.wav", tmp_path / "agent.wav"
    spoken_wav(CALLER, caller_wav, pause=1.2)
    spoken_wav(AGENT, agent_wav, pause=1.2, lead=1.0)
    caller_seconds = len(caller_wav.read_bytes()) / 16000
    # An admin's ticket rule, saved through the API by the web process, read by the Celery worker.
    # Sue leads the group: its tickets are hers to read (object-level access).
    sue = deployment.api("dp-sue", "GET", "/api/me").json()["user_id"]
    group = deployment.api("dp-sue", "POST", "/api/desk/groups", json={"name": "Support", "lead_id": sue})
    assert group.status_code == 201, group.text
    rules = deployment.api("dp-ada", "PUT", "/api/ticket-rules", json={"yaml": RULES})
    assert rules.status_code == 200, rules.text
    login = deployment.api("dp-alice", "POST", "/api/agents/me/login")
    assert login.status_code == 202, login.text
    wait_for(
        lambda: deployment.api("dp-alice", "GET", "/api/agents/me").json().get("status") == "available",
        15, "the agent available", deployment.describe,
    )  # fmt: skip
    plan = CallPlan(
        "1000", deployed_asterisk.sip_server, wav=caller_wav, play_at=2.5,
        dtmf=(DtmfStep("1", 0.5),), hangup_after=2.5 + caller_seconds + 1.5,
    )  # fmt: skip
    results: list[CallResult] = []
    phone = SoftphonePlan(AGENT_SIP, AGENT_PASSWORD, deployed_asterisk.sip_server, wav=agent_wav)
    with deployment.console("dp-sue") as supervisor, deployment.console("dp-alice") as agent:

        def why() -> str:
            feeds = (
                f"\nconsole feeds closed with: supervisor {supervisor.closed_with}, agent {agent.closed_with}"
            )
            return feeds + deployment.describe()

        with start_softphone(phone):
            caller = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
            caller.start()
            wait_for(lambda: bool(agent.call_ids()), 20, "the call on the agent's console", why)
            call_id = agent.call_ids()[0]
            caller.join(plan.hangup_after + 25)
        assert results and results[0].answered, results

        def both_legs_final(console: Any) -> bool:
            finals = console.of_call(call_id, "transcript.final")
            return {"caller", "agent"} <= {f["data"]["leg"] for f in finals} and bool(
                console.of_call(call_id, "call.ended")
            )

        wait_for(lambda: both_legs_final(supervisor) and both_legs_final(agent), 60,
                 "both legs' finals and the call's end on both consoles", why)  # fmt: skip
    for console in (supervisor, agent):
        assert console.closed_with is None, console.closed_with  # the feed survived every event
        states = [m["data"]["state"] for m in console.of_call(call_id, "call.state_changed")]
        assert "connected" in states, states
        finals = console.of_call(call_id, "transcript.final")
        for leg, said in (("caller", CALLER), ("agent", AGENT)):
            error = jiwer.wer(words_of(" ".join(said)), leg_text(finals, leg))
            assert error <= 0.35, f"{leg}: WER {error:.0%}: {leg_text(finals, leg)!r}"
    supervisor_states = [m["data"]["state"] for m in supervisor.of_call(call_id, "call.state_changed")]
    assert {"queued", "offering", "connected"} <= set(supervisor_states), supervisor_states
    # Partials exist only where the engine streams them (Vosk); the deployed English engine is Whisper.
    partials = supervisor.of_call(call_id, "transcript.partial")
    if deployment.settings.asr.engine.value == "vosk":
        assert {"caller", "agent"} <= {p["data"]["leg"] for p in partials}

    # The agent who took the call reads its stored transcript; it matches what was relayed live.
    def stored() -> list[dict[str, Any]]:
        answer = deployment.api("dp-alice", "GET", f"/api/calls/{call_id}/transcript")
        assert answer.status_code == 200, answer.text
        segments: list[dict[str, Any]] = answer.json()["segments"]
        return segments

    wait_for(lambda: len(stored()) >= len(supervisor.of_call(call_id, "transcript.final")), 30,
             "every final stored", deployment.describe)  # fmt: skip
    assert {s["leg"] for s in stored()} == {"caller", "agent"}

    # The call became a conversation: IVR choice, agent, the transcript of both legs, and the ticket.
    def conversation() -> dict[str, Any]:
        answer = deployment.api("dp-alice", "GET", f"/api/calls/{call_id}/conversation")
        assert answer.status_code == 200, answer.text
        summary: dict[str, Any] = answer.json()
        return summary

    wait_for(lambda: bool(conversation()["ticket_ids"]) and conversation()["call"]["ended_at"] is not None,
             30, "the call's conversation closed with its ticket", deployment.describe)  # fmt: skip
    summary = conversation()
    call = summary["call"]
    assert (call["ivr_choice"], call["queue_id"], call["agent_id"]) == ("support", "support", AGENT_SIP)
    assert call["outcome"] == "answered" and call["talk_s"] > 0
    speakers = {line["speaker"] for line in summary["transcript"]}
    assert {"caller", AGENT_SIP} <= speakers, speakers
    assert len(summary["transcript"]) >= len(stored())  # every stored final is in the conversation
    [ticket_id] = summary["ticket_ids"]
    ticket = deployment.api("dp-sue", "GET", f"/api/tickets/{ticket_id}")
    assert ticket.status_code == 200, ticket.text
    body = ticket.json()
    assert (body["call_id"], body["conversation_id"]) == (call_id, summary["id"])
    assert body["group_id"] == group.json()["id"] and "Technical" in body["tags"]


def test_a_spoken_menu_choice_takes_its_branch_as_deployed(
    deployment: Deployment, deployed_asterisk: Any, tmp_path: Path
) -> None:
    """The menu listens to the caller's leg through the media worker (another process); "sales" is
    heard, the call leaves the IVR for the sales queue, and the console shows it queued there."""
    wav = tmp_path / "sales.wav"
    spoken_wav(["sales"], wav)
    plan = CallPlan("1000", deployed_asterisk.sip_server, wav=wav, play_at=2.0, hangup_after=9.0)
    with deployment.console("dp-sue") as supervisor:
        result = place_call(plan)
        assert result.answered, result

        def queued_in_sales() -> bool:
            return any(
                m["data"].get("state") == "queued" and m["data"].get("queue_id") == "sales"
                for call_id in supervisor.call_ids()
                for m in supervisor.of_call(call_id, "call.state_changed")
            )

        wait_for(queued_in_sales, 15, "the spoken choice's call queued in sales", deployment.describe)
    call_id = supervisor.call_ids()[-1]

    def call_link() -> dict[str, Any]:
        answer = deployment.api("dp-sue", "GET", f"/api/calls/{call_id}/conversation")
        assert answer.status_code == 200, answer.text
        link: dict[str, Any] = answer.json()["call"] or {}
        return link

    wait_for(lambda: call_link().get("ivr_choice") is not None, 15, "the choice stored", deployment.describe)
    call = call_link()
    assert (call["ivr_choice"], call["queue_id"]) == ("sales", "sales"), call
    assert any(step.startswith("menu:speech") for step in call["ivr_path"]), call["ivr_path"]
