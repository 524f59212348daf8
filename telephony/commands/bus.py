"""The command stream in Redis: ``web/`` appends, the active controller reads with a consumer group.

A stream (not pub/sub) so a command sent while the controller restarts is executed when it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis
import redis.asyncio as aredis

from telephony.commands.schemas import COMMAND_ADAPTER, Command, CommandBase

log = logging.getLogger(__name__)

GROUP = "controllers"


def stream_key(prefix: str = "voxdesk") -> str:
    return f"{prefix}:telephony:commands"


def send_command(client: redis.Redis, command: CommandBase, prefix: str = "voxdesk") -> str:
    """Queue a command for the controller (called by ``web/``); returns the command id."""
    client.xadd(stream_key(prefix), {"command": command.model_dump_json()}, maxlen=10000, approximate=True)
    return command.command_id


class CommandConsumer:
    """Reads commands and hands each to ``execute``; acknowledges it once executed (or refused)."""

    def __init__(
        self,
        client: aredis.Redis,
        execute: Callable[[Command], Awaitable[None]],
        *,
        prefix: str = "voxdesk",
        consumer: str = "controller",
    ) -> None:
        self._redis = client
        self._execute = execute
        self._key = stream_key(prefix)
        self._consumer = consumer

    async def _ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def run(self) -> None:
        await self._ensure_group()
        pending_first = "0"  # first re-read what this consumer took but never acknowledged
        while True:
            batches: Any = await self._redis.xreadgroup(
                GROUP, self._consumer, {self._key: pending_first}, count=20, block=1000
            )
            if pending_first == "0" and not any(entries for _key, entries in batches or []):
                pending_first = ">"
                continue
            for _key, entries in batches or []:
                for entry_id, fields in entries:
                    await self._handle(fields)
                    await self._redis.xack(self._key, GROUP, entry_id)

    async def _handle(self, fields: dict[bytes, bytes]) -> None:
        try:
            command = COMMAND_ADAPTER.validate_json(fields[b"command"])
        except Exception as exc:
            log.warning("dropping a malformed command: %s", exc)
            return
        await self._execute(command)
