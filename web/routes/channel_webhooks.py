"""Inbound webhooks of SMS and WeChat. They carry no user token: the signature is the credential.

Order matters: size limit, then signature, then the replay check, then parsing, then storing, so a
forged, replayed, oversized or malformed request is refused before anything is written. Each signed
request is accepted once inside its timestamp window (409 for the copy); a sender that retries
signs again with a fresh timestamp and nonce.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from tickets.channels.registry import channel_secrets, wechat_account
from tickets.channels.replay import replay_window
from tickets.channels.signing import WEBHOOK_TOLERANCE_SECONDS, verify_webhook
from tickets.channels.sms import parse_sms_webhook
from tickets.channels.wechat import (
    TOLERANCE_SECONDS,
    WeChatAdapter,
    open_wechat_push,
    parse_wechat_xml,
    verify_wechat_signature,
)
from tickets.conversations.models import Channel
from web.deps import SessionDep, SettingsDep
from web.routes.ticket_support import AdaptersDep, CustomerAssistDep, ReplayGuardDep, read_limited_body

router = APIRouter(prefix="/api/channels", tags=["channels"])

REPLAY: dict[int | str, dict[str, Any]] = {
    409: {"description": "the same signed request was received already (replay)"}
}


@router.post("/sms/inbound", responses=REPLAY)
async def sms_inbound(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    adapters: AdaptersDep,
    guard: ReplayGuardDep,
    customer_assist: CustomerAssistDep,
    x_voxdesk_timestamp: str | None = Header(None),
    x_voxdesk_signature: str | None = Header(None),
) -> dict[str, int]:
    """A text from a customer: JSON ``{"from", "to", "body", "id"}`` signed with HMAC-SHA256 over
    ``<timestamp>.<body>`` (headers X-Voxdesk-Timestamp, X-Voxdesk-Signature)."""
    raw = await read_limited_body(request, settings.channels.webhook_max_bytes)
    now = time.time()
    verify_webhook(
        channel_secrets(settings).sms_webhook_secret, x_voxdesk_timestamp, x_voxdesk_signature, raw, now
    )
    assert x_voxdesk_timestamp is not None and x_voxdesk_signature is not None  # verified above
    window = replay_window(int(x_voxdesk_timestamp), WEBHOOK_TOLERANCE_SECONDS, now)
    async with guard.first_use("sms", x_voxdesk_signature.lower(), window):
        inbound = parse_sms_webhook(raw)
        message = await run_in_threadpool(adapters[Channel.SMS].receive, session, inbound)
    await run_in_threadpool(customer_assist, session, message)  # suggestions, the FAQ bot
    return {"message_id": message.id, "conversation_id": message.conversation_id}


@router.get("/wechat", response_class=PlainTextResponse, responses=REPLAY)
async def wechat_verify(
    settings: SettingsDep,
    guard: ReplayGuardDep,
    signature: str = Query(max_length=64),
    timestamp: str = Query(max_length=16),
    nonce: str = Query(max_length=64),
    echostr: str = Query(max_length=256),
) -> PlainTextResponse:
    """WeChat's server check when the URL is configured: echo ``echostr`` if the signature holds."""
    now = time.time()
    verify_wechat_signature(channel_secrets(settings).wechat_token, signature, timestamp, nonce, now)
    async with guard.first_use("wechat", f"{timestamp}:{nonce}", _wechat_window(timestamp, now)):
        return PlainTextResponse(echostr)


@router.post("/wechat", response_class=PlainTextResponse, responses=REPLAY)
async def wechat_push(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    adapters: AdaptersDep,
    guard: ReplayGuardDep,
    customer_assist: CustomerAssistDep,
    timestamp: str = Query(max_length=16),
    nonce: str = Query(max_length=64),
    signature: str | None = Query(None, max_length=64),
    msg_signature: str | None = Query(None, max_length=64),
    encrypt_type: str | None = Query(None, max_length=16),  # "aes" in safe mode; the body tells
) -> Response:
    """A follower's message: encrypted XML in safe mode (the default), plain XML only when an admin
    set ``channels.wechat_mode = "plain"``. Answers "success" (WeChat's "no passive reply")."""
    raw = await read_limited_body(request, settings.channels.webhook_max_bytes)
    now = time.time()
    xml = open_wechat_push(
        wechat_account(settings),
        raw,
        signature=signature,
        msg_signature=msg_signature,
        timestamp=timestamp,
        nonce=nonce,
        now=now,
    )
    async with guard.first_use("wechat", f"{timestamp}:{nonce}", _wechat_window(timestamp, now)):
        push = parse_wechat_xml(xml)
        if push.msg_type == "text":
            inbound = WeChatAdapter.to_inbound(push)
            message = await run_in_threadpool(adapters[Channel.WECHAT].receive, session, inbound)
            await run_in_threadpool(customer_assist, session, message)
    return PlainTextResponse("success")


def _wechat_window(timestamp: str, now: float) -> int:
    return replay_window(int(timestamp), TOLERANCE_SECONDS, now)  # the timestamp was checked fresh
