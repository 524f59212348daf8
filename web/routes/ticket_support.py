"""Shared pieces of the customer/channel routes: body limits, adapters, notifier, replay guard."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from config.errors import PayloadTooLargeError
from config.events import Notifier
from tickets.assist.bot import SendReply
from tickets.assist.hooks import CustomerMessageAssist
from tickets.channels.base import ChannelAdapter
from tickets.channels.registry import build_adapters
from tickets.channels.replay import ReplayGuard
from tickets.conversations.models import Channel
from tickets.kb.corpus import ranker_for
from web.routes.desk_support import runtime_of


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (chunked too)."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:  # not '²'
        raise PayloadTooLargeError(f"body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"body is larger than {limit} bytes")
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


def get_replay_guard(request: Request) -> ReplayGuard:
    """One guard per app for every signed inbound route (its Redis pool lives as long as the app)."""
    state = request.app.state
    guard: ReplayGuard | None = getattr(state, "replay_guard", None)
    if guard is None:
        guard = state.replay_guard = ReplayGuard(state.redis_url)
    return guard


def get_customer_assist(request: Request) -> CustomerMessageAssist:
    """One per app: suggestions to the agent and the FAQ bot after each customer text message."""
    state = request.app.state
    hook: CustomerMessageAssist | None = getattr(state, "customer_assist", None)
    if hook is None:
        adapters = get_adapters(request)

        def sender_for(channel: str) -> SendReply | None:
            adapter = adapters.get(Channel(channel)) if channel in Channel.__members__.values() else None
            return adapter.send if adapter is not None else None

        qa = state.settings.qa
        hook = state.customer_assist = CustomerMessageAssist(
            ranker=lambda: ranker_for(state.session_factory),
            notifier=get_notifier(request),
            runtime=runtime_of(state),
            sender_for=sender_for,
            bot_channels=qa.faq_bot_channels if qa.faq_bot_enabled else (),
        )
    return hook


NotifierDep = Annotated[Notifier, Depends(get_notifier)]
AdaptersDep = Annotated[dict[Channel, ChannelAdapter], Depends(get_adapters)]
ReplayGuardDep = Annotated[ReplayGuard, Depends(get_replay_guard)]
CustomerAssistDep = Annotated[CustomerMessageAssist, Depends(get_customer_assist)]
