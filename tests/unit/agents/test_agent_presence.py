"""A softphone's registration logs its agent in and out (ARI endpoint states, fakes at the seams)."""

from __future__ import annotations

from collections.abc import Iterable

from agent_fakes import Clock, MemoryAgentStore, RecordingNotifier

from routing import AgentState
from telephony.agent_profiles.repository import AgentIdentity
from telephony.agents.devices import RegisteredDevices
from telephony.agents.presence import AgentPresence
from telephony.agents.services import AgentService
from telephony.ari import AriError, HandlerRegistry, parse_event
from telephony.ari.models import Endpoint

S = AgentState


class FakeEndpointAri:
    def __init__(self, *endpoints: Endpoint, fail: bool = False) -> None:
        self.endpoints = list(endpoints)
        self.subscriptions: list[tuple[str, str]] = []
        self.filters: list[tuple[str, list[str]]] = []
        self.fail = fail

    async def subscribe(self, app: str, event_source: str) -> None:
        if self.fail:
            raise AriError("ARI POST /applications -> 503", status=503)
        self.subscriptions.append((app, event_source))

    async def allow_only(self, app: str, event_types: Iterable[str]) -> None:
        self.filters.append((app, list(event_types)))

    async def list_endpoints(self, technology: str) -> list[Endpoint]:
        return [e for e in self.endpoints if e.technology == technology]


class Directory:
    """ag-alice is an agent (billing queue); sup-sue is a supervisor, so not an agent for queues."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    def agent_for_sip(self, username: str) -> AgentIdentity | None:
        self.lookups.append(username)
        if username == "ag-alice":
            return AgentIdentity(1, "ag-alice", {"billing": 3}, ["billing"])
        return None


class Desk:
    def __init__(self, *endpoints: Endpoint, fail: bool = False) -> None:
        self.store, self.notifier = MemoryAgentStore(), RecordingNotifier()
        self.agents = AgentService(self.store, self.notifier, Clock())
        self.ari, self.directory = FakeEndpointAri(*endpoints, fail=fail), Directory()
        self.logins = 0
        self.presence = AgentPresence(
            self.ari, "voxdesk-presence", self.agents, self.directory, self._logged_in
        )
        self.registry = HandlerRegistry()
        self.presence.register(self.registry)

    def _logged_in(self) -> None:
        self.logins += 1

    async def endpoint(self, resource: str, state: str, technology: str = "PJSIP") -> None:
        """Deliver the event as ARI sends it, parsed like the stream parses it."""
        data = {"technology": technology, "resource": resource, "state": state, "channel_ids": []}
        await self.registry.dispatch(parse_event({"type": "EndpointStateChange", "endpoint": data}))

    async def state(self, agent_id: str = "ag-alice") -> AgentState | None:
        agent = await self.store.find(agent_id)
        return None if agent is None else agent.state


async def test_a_registered_softphone_logs_its_agent_in_to_their_profile_and_offers_calls() -> None:
    desk = Desk()
    await desk.endpoint("ag-alice", "online")
    agent = await desk.store.get("ag-alice")
    assert (agent.state, agent.endpoint, agent.queues) == (S.AVAILABLE, "PJSIP/ag-alice", {"billing"})
    assert dict(agent.skills) == {"billing": 3}
    assert desk.logins == 1  # the controller matches waiting calls to the new agent
    assert desk.notifier.events == [("ag-alice", "logged_out", "available")]


async def test_a_registration_that_goes_away_logs_the_agent_out_or_after_their_call() -> None:
    desk = Desk()
    await desk.endpoint("ag-alice", "online")
    await desk.endpoint("ag-alice", "offline")
    assert await desk.state() is S.LOGGED_OUT

    await desk.endpoint("ag-alice", "online")
    await desk.agents.reserve("ag-alice", "c1")
    await desk.agents.answered("ag-alice", "c1")
    await desk.endpoint("ag-alice", "offline")
    assert await desk.state() is S.ON_CALL  # the call goes on
    await desk.agents.release("ag-alice", "c1", wrap_up_seconds=30)
    assert await desk.state() is S.LOGGED_OUT


async def test_the_same_state_again_and_other_devices_change_nothing() -> None:
    desk = Desk()
    await desk.endpoint("ag-alice", "online")
    await desk.agents.pause("ag-alice", "lunch")
    await desk.endpoint("ag-alice", "online")  # channels changed: the same state is sent again
    await desk.endpoint("sup-sue", "online")  # a supervisor's phone
    await desk.endpoint("ag-alice", "unknown")
    await desk.endpoint("ag-alice", "offline", technology="SIP")
    assert await desk.state() is S.PAUSED and await desk.state("sup-sue") is None
    assert desk.directory.lookups == ["ag-alice", "sup-sue"]  # one look-up per real change


async def test_on_connecting_the_controller_subscribes_and_catches_up_with_every_phone() -> None:
    desk = Desk(Endpoint("PJSIP", "ag-alice", "online"), Endpoint("PJSIP", "sup-sue", "offline"))
    await desk.presence.connected()
    # its own app, sent nothing but endpoint states (an endpoint subscription brings channel events too)
    assert desk.ari.subscriptions == [("voxdesk-presence", "endpoint:PJSIP")]
    assert desk.ari.filters == [("voxdesk-presence", ["EndpointStateChange"])]
    assert await desk.state() is S.AVAILABLE

    desk.ari.endpoints = [Endpoint("PJSIP", "ag-alice", "offline")]  # went away while disconnected
    await desk.presence.connected()
    assert await desk.state() is S.LOGGED_OUT


async def test_an_agent_logged_in_by_hand_is_not_changed_by_the_phone_registering() -> None:
    desk = Desk()
    await desk.agents.login("ag-alice", "PJSIP/ag-alice", queues=["sales"])
    await desk.agents.pause("ag-alice", "training")
    await desk.endpoint("ag-alice", "online")
    agent = await desk.store.get("ag-alice")
    assert (agent.state, agent.queues, desk.logins) == (S.PAUSED, {"sales"}, 0)


async def test_without_ari_subscriptions_calls_go_on_and_nothing_is_logged_in() -> None:
    desk = Desk(Endpoint("PJSIP", "ag-alice", "online"), fail=True)
    await desk.presence.connected()
    assert await desk.state() is None


async def test_either_phone_keeps_the_agent_in_and_calls_ring_the_browser_while_it_is_registered() -> None:
    desk = Desk()
    devices = desk.presence.devices
    await desk.endpoint("ag-alice", "online")  # the desk phone
    assert devices.dial_target("PJSIP/ag-alice") == "PJSIP/ag-alice"
    await desk.endpoint("ag-alice-web", "online")  # the console's browser phone as well
    assert devices.dial_target("PJSIP/ag-alice") == "PJSIP/ag-alice-web"
    assert desk.directory.lookups[-1] == "ag-alice"  # the browser endpoint is the same account
    await desk.endpoint("ag-alice", "offline")
    assert await desk.state() is S.AVAILABLE  # still in: the browser is registered
    await desk.endpoint("ag-alice-web", "offline")
    assert await desk.state() is S.LOGGED_OUT
    await desk.endpoint("ag-alice", "online")
    assert (await desk.state(), devices.dial_target("PJSIP/ag-alice")) == (S.AVAILABLE, "PJSIP/ag-alice")


async def test_on_reconnecting_an_agent_only_in_the_browser_stays_logged_in_without_a_blip() -> None:
    desk = Desk(Endpoint("PJSIP", "ag-alice", "offline"), Endpoint("PJSIP", "ag-alice-web", "online"))
    await desk.endpoint("ag-alice-web", "online")
    before = list(desk.notifier.events)
    await desk.presence.connected()  # the desk phone's "offline" comes first in the list
    assert await desk.state() is S.AVAILABLE
    assert desk.notifier.events == before  # never logged out and in again
    assert desk.presence.devices.dial_target("PJSIP/ag-alice") == "PJSIP/ag-alice-web"


def test_dial_strings_other_than_an_accounts_endpoint_are_left_as_they_are() -> None:
    devices = RegisteredDevices()
    devices.update("ag-alice-web", True)
    assert devices.dial_target("PJSIP/caller/sip:2000@127.0.0.1") == "PJSIP/caller/sip:2000@127.0.0.1"
    assert devices.dial_target("PJSIP/ag-alice-web") == "PJSIP/ag-alice-web"
    assert devices.dial_target("SIP/ag-alice") == "SIP/ag-alice"
