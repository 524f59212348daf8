"""Inbound webhooks of SMS and WeChat. They carry no user token: the signature is the credential.

Order matters: size limit, then signature, then parsing, then storing, so a forged, oversized or
malformed request is refused before anything is written.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from tickets.channels.registry import channel_secrets
from tickets.channels.signing import verify_webhook
from tickets.channels.sms import parse_sms_webhook
from tickets.channels.wechat import WeChatAdapter, parse_wechat_xml, verify_wechat_signature
from tickets.conversations.models import Channel
from web.deps import SessionDep, SettingsDep
from web.routes.ticket_support import AdaptersDep, read_limited_body

router = APIRouter(prefix="/api/channels", tags=["channels"])


@router.post("/sms/inbound")
async def sms_inbound(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    adapters: AdaptersDep,
    x_voxdesk_timestamp: str | None = Header(None),
    x_voxdesk_signature: str | None = Header(None),
) -> dict[str, int]:
    """A text from a customer: JSON ``{"from", "to", "body", "id"}`` signed with HMAC-SHA256 over
    ``<timestamp>.<body>`` (headers X-Voxdesk-Timestamp, X-Voxdesk-Signature)."""
    raw = await read_limited_body(request, settings.channels.webhook_max_bytes)
    verify_webhook(
        channel_secrets(settings).sms_webhook_secret, x_voxdesk_timestamp, x_voxdesk_signature, raw
    )
    inbound = parse_sms_webhook(raw)
    message = await run_in_threadpool(adapters[Channel.SMS].receive, session, inbound)
    return {"message_id": message.id, "conversation_id": message.conversation_id}


@router.get("/wechat", response_class=PlainTextResponse)
def wechat_verify(
    settings: SettingsDep,
    signature: str = Query(max_length=64),
    timestamp: str = Query(max_length=16),
    nonce: str = Query(max_length=64),
    echostr: str = Query(max_length=256),
) -> PlainTextResponse:
    """WeChat's server check when the URL is configured: echo ``echostr`` if the signature holds."""
    verify_wechat_signature(channel_secrets(settings).wechat_token, signature, timestamp, nonce)
    return PlainTextResponse(echostr)


@router.post("/wechat", response_class=PlainTextResponse)
async def wechat_push(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    adapters: AdaptersDep,
    signature: str = Query(max_length=64),
    timestamp: str = Query(max_length=16),
    nonce: str = Query(max_length=64),
) -> Response:
    """A follower's message as XML; answers "success" (WeChat's "no passive reply")."""
    raw = await read_limited_body(request, settings.channels.webhook_max_bytes)
    verify_wechat_signature(channel_secrets(settings).wechat_token, signature, timestamp, nonce)
    push = parse_wechat_xml(raw)
    if push.msg_type == "text":
        await run_in_threadpool(adapters[Channel.WECHAT].receive, session, WeChatAdapter.to_inbound(push))
    return PlainTextResponse("success")
