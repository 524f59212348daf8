"""The ARI client against fakes at its real seams: httpx.MockTransport and a fake WebSocket connector."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from telephony.ari import AriNotFoundError, AriRest, Backoff, EventStream, HandlerRegistry, parse_event
from telephony.ari.events import ChannelDtmfReceived, EndpointStateChange, StasisStart, UnknownEvent
from telephony.ari.exceptions import AriConflictError, AriUnavailableError


def test_stasis_start_is_parsed_into_typed_fields() -> None:
    event = parse_event(
        {
            "type": "StasisStart",
            "application": "voxdesk",
            "args": ["agent", "c1"],
            "channel": {
                "id": "ch1",
                "name": "PJSIP/agent7-00000001",
                "state": "Up",
                "caller": {"number": "5551234", "name": "Ann"},
                "dialplan": {"exten": "1000"},
            },
        }
    )
    assert isinstance(event, StasisStart)
    assert event.args == ("agent", "c1") and event.application == "voxdesk"
    assert (event.channel.id, event.channel.caller_number, event.channel.dialed_exten) == (
        "ch1",
        "5551234",
        "1000",
    )
    assert event.channel.endpoint_resource == "agent7"


def test_an_endpoint_state_change_says_which_softphone_went_online() -> None:
    event = parse_event(
        {
            "type": "EndpointStateChange",
            "endpoint": {"technology": "PJSIP", "resource": "agent7", "state": "online", "channel_ids": []},
        }
    )
    assert isinstance(event, EndpointStateChange)
    endpoint = event.endpoint
    assert (endpoint.technology, endpoint.resource, endpoint.online) == ("PJSIP", "agent7", True)


async def test_an_app_subscribes_to_every_pjsip_endpoint_lists_their_states_and_filters_events() -> None:
    seen: list[tuple[str, str, str]] = []
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.url.query.decode()))
        bodies.append(request.content)
        if request.method == "GET":
            return httpx.Response(200, json=[{"technology": "PJSIP", "resource": "a1", "state": "offline"}])
        return httpx.Response(200, json={"name": "voxdesk"})

    rest = AriRest("http://ari/ari", "u", "p", transport=httpx.MockTransport(handler))
    await rest.subscribe("voxdesk", "endpoint:PJSIP")
    endpoints = await rest.list_endpoints("PJSIP")
    await rest.allow_only("voxdesk", ["EndpointStateChange"])
    await rest.aclose()
    assert seen[0] == ("POST", "/ari/applications/voxdesk/subscription", "eventSource=endpoint%3APJSIP")
    assert seen[1][:2] == ("GET", "/ari/endpoints/PJSIP")
    assert seen[2][:2] == ("PUT", "/ari/applications/voxdesk/eventFilter")
    assert json.loads(bodies[2]) == {"allowed": [{"type": "EndpointStateChange"}]}
    assert [(e.resource, e.online) for e in endpoints] == [("a1", False)]


def test_an_unknown_event_keeps_its_type_and_raw_json() -> None:
    event = parse_event({"type": "ChannelTalkingStarted", "channel": {"id": "x"}})
    assert isinstance(event, UnknownEvent)
    assert event.type == "ChannelTalkingStarted" and event.raw["channel"] == {"id": "x"}


async def test_every_handler_of_a_type_runs_even_when_one_fails() -> None:
    registry = HandlerRegistry()
    seen: list[str] = []

    async def broken(event: Any) -> None:
        raise RuntimeError("boom")

    async def first(event: Any) -> None:
        seen.append("first:" + event.digit)

    async def anything(event: Any) -> None:
        seen.append("any:" + event.type)

    registry.add(ChannelDtmfReceived, broken)
    registry.add("ChannelDtmfReceived", first)
    registry.add("*", anything)
    await registry.dispatch(
        parse_event({"type": "ChannelDtmfReceived", "digit": "5", "channel": {"id": "c"}})
    )
    assert seen == ["first:5", "any:ChannelDtmfReceived"]


def _rest(handler: Any) -> AriRest:
    return AriRest("http://ari.test/ari", "u", "p", transport=httpx.MockTransport(handler))


async def test_rest_errors_map_to_the_error_tree() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/gone/" in request.url.path:
            return httpx.Response(404, json={"message": "Channel not found"})
        return httpx.Response(409, json={"message": "Channel not in Stasis application"})

    rest = _rest(handler)
    with pytest.raises(AriNotFoundError):
        await rest.answer("gone")
    with pytest.raises(AriConflictError) as conflict:
        await rest.answer("busy")
    assert conflict.value.status == 409 and not conflict.value.recoverable


async def test_rest_sends_lists_comma_joined_and_variables_in_the_body() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"id": "new", "name": "PJSIP/a-1"})

    rest = _rest(handler)
    await rest.add_to_bridge("b1", ["c1", "c2"])
    channel = await rest.originate(
        "PJSIP/a", app="voxdesk", app_args="agent,c1", timeout_s=7, variables={"VOXDESK_CALL": "c1"}
    )
    assert requests[0].url.params["channel"] == "c1,c2"
    assert requests[1].url.params["appArgs"] == "agent,c1" and requests[1].url.params["timeout"] == "7"
    assert json.loads(requests[1].content) == {"variables": {"VOXDESK_CALL": "c1"}}
    assert channel.id == "new"


async def test_an_unreachable_asterisk_is_a_recoverable_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(AriUnavailableError) as error:
        await _rest(handler).asterisk_info()
    assert error.value.recoverable


def test_backoff_grows_is_capped_jittered_and_resets() -> None:
    backoff = Backoff(initial=0.1, factor=2, cap=1.0, jitter=0.5, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    bases = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    assert all(base * 0.5 <= delay <= base for delay, base in zip(delays, bases, strict=True))
    backoff.reset()
    assert backoff.next_delay() <= 0.1


class FakeSocket:
    def __init__(self, messages: list[str]) -> None:
        self._messages = messages
        self.closed = False

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        for message in self._messages:
            yield message
        # then the connection drops, as when Asterisk restarts

    async def close(self) -> None:
        self.closed = True


async def test_the_stream_reconnects_with_backoff_and_reruns_the_recovery_hook() -> None:
    attempts: list[str] = []
    sockets = [
        OSError("refused"),
        OSError("refused"),
        FakeSocket(
            [json.dumps({"type": "StasisStart", "args": ["inbound"], "channel": {"id": "a"}}), "not json"]
        ),
        OSError("refused"),
        FakeSocket([json.dumps({"type": "ChannelDtmfReceived", "digit": "1", "channel": {"id": "a"}})]),
    ]

    async def connector(url: str) -> Any:
        attempts.append(url)
        item = sockets.pop(0) if sockets else None
        if item is None:
            await asyncio.sleep(3600)
        if isinstance(item, Exception):
            raise item
        return item

    registry = HandlerRegistry()
    events: list[str] = []
    recoveries: list[int] = []

    async def record(event: Any) -> None:
        events.append(event.type)

    registry.add("*", record)
    stream = EventStream(
        "ws://x/ari/events",
        registry,
        connector=connector,
        backoff=Backoff(initial=0.001, cap=0.01, rng=random.Random(1)),
    )

    async def recover() -> None:
        recoveries.append(stream.connections)

    stream.on_connected(recover)
    runner = asyncio.create_task(stream.run())
    # Done when both events arrived and the stream, after the last socket closed, dialled again.
    for _ in range(500):
        if len(events) == 2 and not sockets and len(attempts) == 6:
            break
        await asyncio.sleep(0.01)
    await stream.stop()
    runner.cancel()
    assert events == ["StasisStart", "ChannelDtmfReceived"]
    assert recoveries == [1, 2]  # the hook ran after the first connection and after the reconnect
    assert len(attempts) == 6


async def test_wait_for_returns_the_first_matching_event() -> None:
    stream = EventStream("ws://x", HandlerRegistry())
    waiter = asyncio.create_task(stream.wait_for(lambda e: e.type == "StasisEnd", 1.0))
    await asyncio.sleep(0)
    await stream.deliver(parse_event({"type": "StasisStart", "channel": {"id": "a"}}))
    await stream.deliver(parse_event({"type": "StasisEnd", "channel": {"id": "a"}}))
    assert (await waiter).type == "StasisEnd"
