"""Shared pieces of the customer/channel routes: error mapping, body limits, adapters, notifier."""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException, Request, status

from config.errors import VoxdeskError
from config.events import Notifier
from tickets.channels.base import ChannelAdapter
from tickets.channels.exceptions import (
    ChannelNotConfiguredError,
    DeliveryError,
    PayloadError,
    PayloadTooLargeError,
    SignatureError,
)
from tickets.channels.registry import build_adapters
from tickets.conversations.exceptions import ConversationNotFoundError, InvalidMessageError
from tickets.conversations.models import Channel
from tickets.customers.exceptions import (
    CustomerNotFoundError,
    InvalidIdentityError,
    MergeError,
    SuggestionNotFoundError,
)
from web.routes.desk_support import runtime_of

_STATUS: list[tuple[type[VoxdeskError], int]] = [
    (CustomerNotFoundError, status.HTTP_404_NOT_FOUND),
    (SuggestionNotFoundError, status.HTTP_404_NOT_FOUND),
    (ConversationNotFoundError, status.HTTP_404_NOT_FOUND),
    (InvalidIdentityError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidMessageError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (MergeError, status.HTTP_409_CONFLICT),
    (SignatureError, status.HTTP_403_FORBIDDEN),
    (PayloadTooLargeError, status.HTTP_413_CONTENT_TOO_LARGE),
    (PayloadError, status.HTTP_400_BAD_REQUEST),
    (ChannelNotConfiguredError, status.HTTP_501_NOT_IMPLEMENTED),
    (DeliveryError, status.HTTP_502_BAD_GATEWAY),
]


def raise_http(exc: VoxdeskError) -> NoReturn:
    """Turn a domain error into the HTTP answer it deserves (the message is safe to show)."""
    for cls, code in _STATUS:
        if isinstance(exc, cls):
            raise HTTPException(code, str(exc)) from exc
    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE if exc.recoverable else 500, str(exc)) from exc


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (chunked too)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def get_notifier(request: Request) -> Notifier:
    """One notifier per app, made on first use."""
    state = request.app.state
    notifier: Notifier | None = getattr(state, "ticket_notifier", None)
    if notifier is None:
        notifier = Notifier.from_url(state.redis_url)
        state.ticket_notifier = notifier
    return notifier


def get_adapters(request: Request) -> dict[Channel, ChannelAdapter]:
    state = request.app.state
    adapters: dict[Channel, ChannelAdapter] | None = getattr(state, "channel_adapters", None)
    if adapters is None:
        # Customer messages reach the desk with the app's runtime (its rules, broker and clock).
        adapters = build_adapters(state.settings, get_notifier(request), runtime_of(state))
        state.channel_adapters = adapters
    return adapters


NotifierDep = Annotated[Notifier, Depends(get_notifier)]
AdaptersDep = Annotated[dict[Channel, ChannelAdapter], Depends(get_adapters)]
