"""Handlers keyed by ARI event type; several per type, run in registration order."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telephony.ari.events import AriEvent

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]
H = TypeVar("H", bound=Handler)

ANY_EVENT = "*"


class HandlerRegistry:
    """Maps ``"StasisStart"`` (or ``"*"`` for every event) to the coroutines that handle it."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def add(self, event_type: str | type[AriEvent], handler: Handler) -> None:
        name = event_type if isinstance(event_type, str) else event_type.type_name
        self._handlers[name].append(handler)

    def on(self, event_type: str | type[AriEvent]) -> Callable[[H], H]:
        """Decorator form of :meth:`add`."""

        def decorate(handler: H) -> H:
            self.add(event_type, handler)
            return handler

        return decorate

    def handlers_for(self, event_type: str) -> list[Handler]:
        return [*self._handlers.get(event_type, ()), *self._handlers.get(ANY_EVENT, ())]

    async def dispatch(self, event: AriEvent) -> None:
        """Run every handler of the event's type; one failing handler does not stop the others."""
        for handler in self.handlers_for(event.type):
            try:
                await handler(event)
            except Exception:
                log.exception(
                    "handler %s failed on %s", getattr(handler, "__qualname__", handler), event.type
                )
