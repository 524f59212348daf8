"""How ``web/`` reaches call control: its read API for state, its command stream for every change.

``web/`` never talks to ARI or Asterisk and never spells a telephony Redis key: it reads through
:class:`telephony.readmodel.TelephonyReadModel` and sends :mod:`telephony.commands` (the controller
applies them, PBX configuration included).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

import redis
from fastapi import Depends, Request

from config.settings import Settings
from telephony.admin_config import RoutingSource, routing_dir
from telephony.commands.bus import send_command
from telephony.commands.schemas import CommandBase
from telephony.readmodel import TelephonyReadModel
from web.deps import SettingsDep

CommandT = TypeVar("CommandT", bound=CommandBase)


class CommandSender:
    """Queues commands on the controller's stream (it executes them and announces any refusal)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._redis = client
        self._prefix = prefix

    def send(self, command: CommandT) -> CommandT:
        send_command(self._redis, command, self._prefix)
        return command


def _redis(request: Request) -> redis.Redis:
    client: redis.Redis | None = getattr(request.app.state, "telephony_redis", None)
    if client is None:
        client = redis.Redis.from_url(request.app.state.redis_url)
        request.app.state.telephony_redis = client
    return client


def get_read_model(request: Request, settings: SettingsDep) -> TelephonyReadModel:
    return TelephonyReadModel(_redis(request), settings.telephony.key_prefix)


def get_commands(request: Request, settings: SettingsDep) -> CommandSender:
    return CommandSender(_redis(request), settings.telephony.key_prefix)


ReadModelDep = Annotated[TelephonyReadModel, Depends(get_read_model)]
CommandsDep = Annotated[CommandSender, Depends(get_commands)]


def routing_source(request: Request, settings: Settings) -> RoutingSource:
    """The routing files as this app reads them (parsed again only when a file changes)."""
    source: RoutingSource | None = getattr(request.app.state, "routing_source", None)
    if source is None:
        source = RoutingSource(routing_dir(settings))
        request.app.state.routing_source = source
    return source


def get_queue_ids(request: Request, settings: SettingsDep, read: ReadModelDep) -> frozenset[str]:
    """The queues the controller runs; before any controller has started, the routing files' queues."""
    published = read.queue_ids()
    if published is not None:
        return published
    return frozenset(routing_source(request, settings).current().queues)


QueueIdsDep = Annotated[frozenset[str], Depends(get_queue_ids)]
