"""The notifier and Celery through a real Redis (the system one and the embedded one)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from config.embedded_redis import EmbeddedRedis
from config.errors import EventBusError
from config.events import Event, Notifier, Subscription, channel_name, register_event
from config.jobs import create_celery

pytestmark = pytest.mark.integration


@register_event
class CallRinging(Event):
    """A test event routed by call and queue."""

    event_type: ClassVar[str] = "test.call_ringing"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id", "queue_id")

    call_id: str
    queue_id: str | None = None
    caller: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def publish_and_receive(url: str) -> None:
    call_id = uuid.uuid4().hex
    event = CallRinging(call_id=call_id, queue_id="billing", caller="+14155552671")
    async with Subscription(url, [channel_name("call", call_id)]) as subscription:
        delivered = await asyncio.to_thread(Notifier.from_url(url).publish, event)
        received = await subscription.get(wait_seconds=5)
    assert delivered == 1
    assert isinstance(received, CallRinging)
    assert received == event


async def test_an_event_published_reaches_a_subscriber_through_real_redis(redis_url: str) -> None:
    await publish_and_receive(redis_url)


async def test_subscribers_only_get_the_channels_they_asked_for(redis_url: str) -> None:
    mine, other = uuid.uuid4().hex, uuid.uuid4().hex
    async with Subscription(redis_url, [channel_name("call", mine)]) as subscription:
        Notifier.from_url(redis_url).publish(CallRinging(call_id=other, caller="1"))
        assert await subscription.get(wait_seconds=0.5) is None


def test_history_replays_what_a_late_console_missed(redis_url: str) -> None:
    notifier = Notifier.from_url(redis_url)
    call_id = uuid.uuid4().hex
    sent = [CallRinging(call_id=call_id, caller=str(n)) for n in range(3)]
    for event in sent:
        notifier.publish(event)
    assert notifier.history(channel_name("call", call_id)) == sent
    queue_history = notifier.history(channel_name("queue", "billing"), count=1)
    assert len(queue_history) == 1  # events without a queue are not in the queue's stream


def test_publishing_to_a_dead_redis_raises_a_recoverable_error() -> None:
    notifier = Notifier(redis.Redis(port=free_port(), socket_connect_timeout=0.5))
    with pytest.raises(EventBusError) as error:
        notifier.publish(CallRinging(call_id="x", caller="1"))
    assert error.value.recoverable


@pytest.fixture
def embedded_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", free_port())
    server.start()
    yield server
    server.stop()


async def test_the_embedded_redis_carries_events_too(embedded_redis: EmbeddedRedis) -> None:
    await publish_and_receive(embedded_redis.url)


def test_stopping_the_embedded_redis_leaves_no_server(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis", free_port())
    server.start()
    assert redis.Redis.from_url(server.url).ping()
    server.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(server.url, socket_connect_timeout=0.5).ping()


def test_a_celery_task_runs_through_a_real_worker_on_redis(redis_url: str) -> None:
    # A db number of its own keeps this test's queue apart from anything else on the server.
    broker = redis_url.rsplit("/", 1)[0] + "/13"
    app = create_celery(broker)
    app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:8]}"
    import config.tasks  # noqa: F401  (registers voxdesk.system.echo on the shared app)

    @app.task(name="voxdesk.test.add")
    def add(a: int, b: int) -> int:
        return a + b

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert add.delay(2, 3).get(timeout=20) == 5
        echoed = app.send_task("voxdesk.system.echo", args=[{"hello": "world"}])
        assert echoed.get(timeout=20) == {"echo": {"hello": "world"}}
