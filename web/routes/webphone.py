"""The browser softphone's registration details for the signed-in user's own SIP account.

The console registers to Asterisk straight over SIP-over-WebSocket (the CSP allows that origin; see
:mod:`web.headers`). It authenticates with the account's digest hash (JsSIP takes ``ha1`` and
``realm`` instead of a password, which is never stored). The hash lets its holder register as the
account, so the answer is not cached, each read is audited, and it is never logged.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from config.accounts import sip_account_of
from config.errors import NotFoundError
from config.models import AuditEntry, Role, User
from telephony.sandbox.agents import browser_endpoint
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep, SettingsDep

router = APIRouter(tags=["accounts"])
PHONE_USERS = require_roles(Role.AGENT, Role.SUPERVISOR)


class WebphoneSetup(BaseModel):
    """What the console's softphone (JsSIP) needs to register."""

    ws_url: str = Field(description="SIP over WebSocket (Asterisk's /ws)")
    sip_uri: str = Field(description="the browser endpoint of the account: sip:<user>-web@<realm>")
    authorization_user: str = Field(description="digest user name: the SIP account itself")
    realm: str
    ha1: str = Field(description="MD5(user:realm:password), what the digest needs; a secret")
    display_name: str


@router.get("/api/agents/me/webphone", dependencies=[PHONE_USERS])
def my_webphone(
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> WebphoneSetup:
    """Register the console's softphone with this (the user's own account only; audited, never cached)."""
    account = sip_account_of(session, principal.user_id)
    if account is None:
        raise NotFoundError("you have no SIP account, so the browser phone cannot register; ask an admin")
    user = session.get(User, principal.user_id)
    client = request.client.host if request.client else None
    session.add(
        AuditEntry(
            actor=principal.username,
            action="sip.webphone_credentials_read",
            target=f"user:{principal.user_id}",
            details={},
            actor_id=principal.user_id,
            role=principal.role.value,
            status=200,
            client=client,
        )
    )
    session.commit()
    response.headers["cache-control"] = "no-store"
    return WebphoneSetup(
        ws_url=settings.asterisk.browser_ws_url,
        sip_uri=f"sip:{browser_endpoint(account.username)}@{account.realm}",
        authorization_user=account.username,
        realm=account.realm,
        ha1=account.ha1.lower(),
        display_name=user.display_name if user is not None else principal.username,
    )
