"""An agent's softphone registering on the real Asterisk makes them available (no login call), and
un-registering logs them out; a supervisor's phone does not make them take queue calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from calls_helpers import background_call, softphone, wait_until

from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, SipCredential, User
from telephony.agent_profiles.models import AgentProfile
from telephony.sipua.plan import CallPlan, DtmfStep

pytestmark = pytest.mark.integration


def add_user(db_url: str, sip_username: str, role: Role, queues: list[str]) -> None:
    """A console user with a SIP account and a profile, as an admin creates them through the API."""
    with session_scope(make_session_factory(make_engine(db_url))) as session:
        user = User(username=f"u-{sip_username}", display_name=sip_username, role=role, password_hash="x")
        session.add(user)
        session.flush()
        session.add(SipCredential(user_id=user.id, username=sip_username, ha1="0" * 32))
        session.add(AgentProfile(user_id=user.id, skills={}, queues=queues))


def test_a_registered_softphone_makes_its_agent_available_for_their_queues_without_logging_in(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller()
    add_user(running.db_url, "cc-agent3", Role.AGENT, ["support"])
    add_user(running.db_url, "cc-super1", Role.SUPERVISOR, ["support"])
    running.start()
    assert running.agent_status("cc-agent3") is None
    # Registrations come on an app of their own, sent nothing else: an endpoint subscription on the
    # call app would have doubled every channel event there (each DTMF digit twice).
    # The presence app subscribes once its own event stream is connected, which may be just after start.
    def presence_app() -> dict[str, Any]:
        return dict(running.run(lambda c: c.rest.request("GET", "/applications/voxdesk-presence")))

    wait_until(lambda: any("PJSIP" in e for e in presence_app()["endpoint_ids"]), 5, "presence subscription")
    assert presence_app()["events_allowed"] == [{"type": "EndpointStateChange"}]
    calls_app = running.run(lambda c: c.rest.request("GET", "/applications/voxdesk"))
    assert not any(e.startswith("PJSIP") for e in calls_app["endpoint_ids"])
    with softphone(call_center_asterisk, "cc-super1", tmp_path):
        with softphone(call_center_asterisk, "cc-agent3", tmp_path) as phone:
            wait_until(lambda: running.agent_status("cc-agent3") == "available", 5, "registration login")
            queues = running.redis.hget(f"{running.prefix}:agent:cc-agent3", "queues")
            assert queues is not None and json.loads(queues) == ["support"]
            assert running.agent_status("cc-super1") is None  # supervisors ring only to supervise

            press_2 = (DtmfStep("2", 0.6),)
            thread, results = background_call(
                CallPlan("1000", call_center_asterisk.sip_server, dtmf=press_2, hangup_after=5.0)
            )
            connected = running.call_in_state("connected", wait=10)
            assert (connected.queue_id, connected.agent_id) == ("support", "cc-agent3")
            # The call record and the agent's state are two writes: the agent may still read
            # 'offered' for a moment after the call reads 'connected'.
            wait_until(lambda: running.agent_status("cc-agent3") == "on_call", 3, "agent on the call")
            thread.join(15)
            assert results and results[0].answered
            wait_until(lambda: running.agent_status("cc-agent3") == "available", 5, "back after wrap-up")
            phone.stop()  # un-registers
            wait_until(lambda: running.agent_status("cc-agent3") == "logged_out", 5, "logout on un-register")
    assert running.command_failures() == []
