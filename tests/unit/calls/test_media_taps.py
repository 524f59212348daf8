"""Media taps against fakes at their real seams: ARI over httpx.MockTransport, a dict-backed async Redis,
and fake media-worker ports."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import httpx
import pytest

from asr.media.control import PortAllocation
from telephony.ari import AriRest
from telephony.ari.events import ChannelEnteredBridge, StasisEnd, StasisStart
from telephony.ari.models import Bridge, Channel
from telephony.calls.model import Call
from telephony.calls.store import CallStore
from telephony.taps import MediaTapService, MediaTapStasis, TapStore
from telephony.taps.exceptions import TapError


class FakeRedis:
    """The handful of async Redis commands the stores use, on dicts."""

    def __init__(self) -> None:
        self.hashes: dict[str, dict[str, str]] = defaultdict(dict)
        self.sets: dict[str, set[str]] = defaultdict(set)
        self.counters: dict[str, int] = defaultdict(int)

    async def hset(
        self, key: str, field: str | None = None, value: str | None = None, mapping: Any = None
    ) -> int:
        if mapping:
            self.hashes[key].update(mapping)
        if field is not None:
            self.hashes[key][field] = str(value)
        return 1

    async def hget(self, key: str, field: str) -> bytes | None:
        value = self.hashes.get(key, {}).get(field)
        return value.encode() if value is not None else None

    async def hgetall(self, key: str) -> dict[bytes, bytes]:
        return {k.encode(): v.encode() for k, v in self.hashes.get(key, {}).items()}

    async def hdel(self, key: str, *fields: str) -> int:
        return sum(self.hashes[key].pop(f, None) is not None for f in fields)

    async def hvals(self, key: str) -> list[bytes]:
        return [v.encode() for v in self.hashes.get(key, {}).values()]

    async def hlen(self, key: str) -> int:
        return len(self.hashes.get(key, {}))

    async def sadd(self, key: str, *members: str) -> int:
        self.sets[key].update(members)
        return len(members)

    async def srem(self, key: str, *members: str) -> int:
        self.sets[key].difference_update(members)
        return len(members)

    async def smembers(self, key: str) -> set[bytes]:
        return {m.encode() for m in self.sets.get(key, set())}

    async def expire(self, key: str, seconds: int) -> bool:
        return True

    async def incr(self, key: str) -> int:
        self.counters[key] += 1
        return self.counters[key]

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        return FakePipeline(self)


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self.redis = redis
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))

    async def execute(self) -> list[Any]:
        return [await getattr(self.redis, n)(*a, **k) for n, a, k in self.calls]


class FakeAsterisk:
    """Records ARI requests; answers like Asterisk; ``missing`` channels answer 404."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.missing: set[str] = set()
        self.channels: list[str] = []  # what GET /channels lists

    def handler(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        path = request.url.path.removeprefix("/ari")
        self.requests.append((request.method, path, params))
        if any(f"/channels/{c}" in path for c in self.missing):
            return httpx.Response(404, json={"message": "Channel not found"})
        if path == "/channels" and request.method == "GET":
            return httpx.Response(200, json=[{"id": c, "name": f"PJSIP/{c}"} for c in self.channels])
        if path.endswith("/snoop"):
            return httpx.Response(200, json={"id": params["snoopId"], "name": "Snoop/x"})
        if path == "/channels/externalMedia":
            return httpx.Response(200, json={"id": params["channelId"], "name": "UnicastRTP/x"})
        if path.startswith("/bridges/") and request.method == "POST" and "addChannel" not in path:
            return httpx.Response(200, json={"id": path.split("/")[2], "bridge_type": "mixing"})
        return httpx.Response(204)

    def made(self, kind: str) -> list[dict[str, str]]:
        return [p for m, path, p in self.requests if m == "POST" and path.endswith(kind)]


class FakePorts:
    def __init__(self) -> None:
        self.allocated: list[tuple[str, str, str, str | None]] = []
        self.elapsed: list[float] = []
        self.queues: list[str | None] = []
        self.released: list[tuple[str, str]] = []
        self.workers = {"w1"}  # running workers; a leg goes to the first one in sorted order
        self.phrases: list[tuple[str, str, list[str] | None]] = []

    async def allocate(
        self,
        call_id: str,
        leg: str,
        codec: str,
        speaker: str | None,
        elapsed: float = 0.0,
        queue: str | None = None,
    ) -> PortAllocation:
        if not self.workers:
            raise TapError("no media worker with free capacity is running")
        self.allocated.append((call_id, leg, codec, speaker))
        self.elapsed.append(elapsed)
        self.queues.append(queue)
        return PortAllocation(min(self.workers), "127.0.0.1", 20000 + len(self.allocated), codec)

    async def release(self, worker_id: str, call_id: str, leg: str) -> dict[str, Any]:
        if worker_id not in self.workers:
            raise TapError(f"media worker {worker_id} is gone", recoverable=False)
        self.released.append((call_id, leg))
        return {"asr": {"finals": 1}}

    async def live_workers(self) -> set[str]:
        return set(self.workers)

    async def set_phrases(self, worker_id: str, call_id: str, leg: str, phrases: list[str] | None) -> None:
        self.phrases.append((worker_id, leg, phrases))


def make_taps() -> tuple[MediaTapStasis, FakeAsterisk, FakePorts, FakeRedis]:
    asterisk, ports, redis = FakeAsterisk(), FakePorts(), FakeRedis()
    rest = AriRest("http://ari.test/ari", "u", "p", transport=httpx.MockTransport(asterisk.handler))
    store = TapStore(redis, "t")  # type: ignore[arg-type]
    service = MediaTapService("voxdesk", rest, store, ports, flush_grace=0.0, ready_timeout=1.0)
    return MediaTapStasis(service, CallStore(redis, "t"), agent_wait=0.5), asterisk, ports, redis  # type: ignore[arg-type]


async def arrive_when_created(taps: MediaTapStasis, asterisk: FakeAsterisk) -> None:
    """Play Asterisk's part: each created tap channel enters Stasis with the arguments it was given."""
    for _ in range(200):
        await asyncio.sleep(0.005)
        for params in asterisk.made("/snoop") + asterisk.made("externalMedia"):
            channel_id = params.get("snoopId") or params["channelId"]
            args = tuple((params.get("appArgs") or params["data"]).split(","))
            await taps.stasis_start(StasisStart(channel=Channel(id=channel_id), args=args))


async def test_an_inbound_caller_is_tapped_with_a_spy_in_snoop_and_ulaw_external_media_in_a_tap_bridge() -> (
    None
):
    taps, asterisk, ports, redis = make_taps()
    call = Call(call_id="c1", caller_channel_id="chan-caller")
    await CallStore(redis, "t").save(call)  # type: ignore[arg-type]
    player = asyncio.create_task(arrive_when_created(taps, asterisk))
    await taps.stasis_start(StasisStart(channel=Channel(id="chan-caller"), args=("inbound",)))
    tap = None
    for _ in range(100):
        await asyncio.sleep(0.01)
        tap = await taps.service.store.get("c1", "caller")
        if tap is not None and tap.ready:
            break
    player.cancel()
    assert tap is not None and tap.ready
    assert ports.allocated == [("c1", "caller", "ulaw", None)]
    snoop = asterisk.made("/snoop")[0]
    assert snoop["spy"] == "in" and snoop["whisper"] == "none"
    media = asterisk.made("externalMedia")[0]
    assert media["format"] == "ulaw" and media["external_host"] == "127.0.0.1:20001"
    assert media["data"].split(",")[:3] == ["snoop", "c1", "tap"]  # the inbound handlers ignore 'snoop'
    added = [p for m, path, p in asterisk.requests if path.endswith("/addChannel")]
    assert added == [{"channel": f"{tap.snoop_id},{tap.media_id}"}]
    # Hang-up: the tap goes, the port is released (the worker flushes the last words).
    await taps.stasis_end(StasisEnd(channel=Channel(id="chan-caller")))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if ports.released:
            break
    assert ports.released == [("c1", "caller")]
    assert await taps.service.store.legs("c1") == []
    hung_up = {path for m, path, _ in asterisk.requests if m == "DELETE"}
    assert {f"/channels/{tap.snoop_id}", f"/channels/{tap.media_id}", f"/bridges/{tap.bridge_id}"} <= hung_up


async def test_a_leg_that_hangs_up_before_its_snoop_exists_releases_its_port_and_leaves_nothing() -> None:
    taps, asterisk, ports, _redis = make_taps()
    asterisk.missing.add("gone")
    with pytest.raises(TapError):
        await taps.service.tap("c2", "caller", "gone")
    assert ports.released == [("c2", "caller")]
    assert await taps.service.store.legs("c2") == []


async def test_agents_joining_the_call_bridge_are_tapped_with_their_agent_id_and_a_fresh_leg_each() -> None:
    taps, asterisk, ports, redis = make_taps()
    call = Call(call_id="c3", caller_channel_id="chan-c", agent_id="alice", agent_channel_id="chan-a")
    call.queue_id = "support"
    store = CallStore(redis, "t")  # type: ignore[arg-type]
    await store.save(call)
    player = asyncio.create_task(arrive_when_created(taps, asterisk))
    bridge = Bridge(id="call-c3")
    await taps.channel_entered_bridge(ChannelEnteredBridge(channel=Channel(id="chan-c"), bridge=bridge))
    await taps.channel_entered_bridge(ChannelEnteredBridge(channel=Channel(id="chan-a"), bridge=bridge))
    await taps.channel_entered_bridge(
        ChannelEnteredBridge(channel=Channel(id="tap-x"), bridge=Bridge(id="tap-x"))
    )
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(ports.allocated) == 1 and (await taps.service.store.get("c3", "agent") or None):
            break
    await taps.stasis_end(StasisEnd(channel=Channel(id="chan-a")))
    await asyncio.sleep(0.1)
    call.agent_id, call.agent_channel_id = "bob", "chan-b"  # a transfer to another agent
    await store.save(call)
    await taps.channel_entered_bridge(ChannelEnteredBridge(channel=Channel(id="chan-b"), bridge=bridge))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(ports.allocated) == 2:
            break
    player.cancel()
    # The caller re-entering the bridge and the tap's own bridge are not agents.
    assert ports.allocated == [("c3", "agent", "ulaw", "alice"), ("c3", "agent-2", "ulaw", "bob")]
    assert ports.queues == ["support", "support"]  # live QA applies the rules of the call's queue


async def wait_ready(taps: MediaTapStasis, call_id: str, leg: str, worker_id: str) -> Any:
    for _ in range(200):
        await asyncio.sleep(0.01)
        tap = await taps.service.store.get(call_id, leg)
        if tap is not None and tap.ready and tap.worker_id == worker_id:
            return tap
    raise AssertionError(f"{call_id}/{leg} not tapped on {worker_id}")


async def test_legs_of_a_media_worker_that_died_are_tapped_again_on_its_successor_with_their_clock() -> None:
    taps, asterisk, ports, redis = make_taps()
    call = Call(call_id="c9", caller_channel_id="chan-c", agent_id="alice", agent_channel_id="chan-a")
    await CallStore(redis, "t").save(call)  # type: ignore[arg-type]
    player = asyncio.create_task(arrive_when_created(taps, asterisk))
    await taps.stasis_start(StasisStart(channel=Channel(id="chan-c"), args=("inbound",)))
    taps.service.start_tap("c9", "agent", "chan-a", "alice")
    caller = await wait_ready(taps, "c9", "caller", "w1")
    agent = await wait_ready(taps, "c9", "agent", "w1")
    assert await taps.move_orphaned_legs() == 0  # its worker runs: nothing moves
    assert await taps.service.set_phrases("c9", ["billing", "sales"])  # the caller is in a speech menu

    ports.workers = set()  # w1 killed; its successor is still loading its model
    assert await taps.move_orphaned_legs() == 0
    assert (await taps.service.store.get("c9", "caller")) == caller.model_copy(
        update={"phrases": ["billing", "sales"]}
    )  # the legs wait for a worker

    ports.workers = {"w2"}  # the restarted worker, under a new id
    assert await taps.move_orphaned_legs() == 2
    moved_caller = await wait_ready(taps, "c9", "caller", "w2")
    moved_agent = await wait_ready(taps, "c9", "agent", "w2")
    player.cancel()
    assert ports.allocated[-2:] == [("c9", "caller", "ulaw", None), ("c9", "agent", "ulaw", "alice")]
    assert all(e > 0 for e in ports.elapsed[-2:])  # the leg clocks go on: no segment time repeats
    assert (moved_caller.started_at, moved_agent.started_at) == (caller.started_at, agent.started_at)
    # The dead worker's snoop and externalMedia channels went before the new ones were made.
    hung_up = [path for m, path, _ in asterisk.requests if m == "DELETE"]
    for old in (caller, agent):
        assert {f"/channels/{old.snoop_id}", f"/channels/{old.media_id}", f"/bridges/{old.bridge_id}"} <= set(
            hung_up
        )
    assert moved_caller.snoop_id != caller.snoop_id and moved_caller.port != caller.port
    for _ in range(100):  # the speech menu goes on on the new worker
        await asyncio.sleep(0.01)
        if ("w2", "caller", ["billing", "sales"]) in ports.phrases:
            break
    assert ports.phrases == [("w1", "caller", ["billing", "sales"]), ("w2", "caller", ["billing", "sales"])]
    assert await taps.service.store.leg_of_channel("chan-a") == ("c9", "agent")
    assert await taps.move_orphaned_legs() == 0


async def test_a_caller_who_arrived_while_no_media_worker_ran_is_tapped_once_one_starts() -> None:
    taps, asterisk, ports, redis = make_taps()
    ports.workers = set()
    call = Call(call_id="c10", caller_channel_id="chan-early")
    await CallStore(redis, "t").save(call)  # type: ignore[arg-type]
    asterisk.channels = ["chan-early"]
    await taps.stasis_start(StasisStart(channel=Channel(id="chan-early"), args=("inbound",)))
    await asyncio.sleep(0.05)
    assert await taps.service.store.get("c10", "caller") is None  # untranscribed, with a warning

    player = asyncio.create_task(arrive_when_created(taps, asterisk))
    ports.workers = {"w1"}
    await taps.move_orphaned_legs()
    tapped = await wait_ready(taps, "c10", "caller", "w1")
    player.cancel()
    assert tapped.channel_id == "chan-early" and ports.allocated == [("c10", "caller", "ulaw", None)]
