"""Admins add users and agents' SIP accounts; agents read how to set up their softphone.

A SIP password is generated, shown once in the answer and kept only as its digest hash; Asterisk's
endpoints are re-rendered from the database right away so the softphone can register.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from config.accounts import (
    AccountError,
    AccountExistsError,
    AccountNotFoundError,
    add_user,
    rotate_sip_password,
    set_password,
    sip_account_of,
)
from config.errors import WeakPasswordError
from config.models import Role
from config.settings import AsteriskMode, Settings
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep, SettingsDep

router = APIRouter(tags=["accounts"])
ADMINS = require_roles()  # admins only
AGENTS = require_roles(Role.AGENT)
SIP_CODECS = ["g722", "ulaw", "alaw"]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$", description="also the agent's SIP username")
    display_name: str = Field(min_length=1, max_length=128)
    role: Role
    password: str = Field(
        min_length=1, max_length=256, description="console sign-in password (12+ characters, not common)"
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: str = Field(min_length=1, max_length=256, description="12+ characters, not a common one")


class SipSetup(BaseModel):
    """What an agent types into a softphone (Linphone, Zoiper, MicroSIP, a desk phone)."""

    username: str
    realm: str
    server: str
    transport: str = "udp"
    codecs: list[str] = SIP_CODECS
    password: str | None = Field(default=None, description="only in the answer that created it")


class UserCreated(BaseModel):
    id: int
    username: str
    role: Role
    sip: SipSetup | None
    asterisk_reloaded: bool


class SipRotated(BaseModel):
    sip: SipSetup
    asterisk_reloaded: bool


def _server(settings: Settings) -> str:
    return f"{settings.asterisk.bind_address}:{settings.asterisk.sip_port}"


def reload_agent_endpoints(settings: Settings) -> bool:
    """Re-render Asterisk's agent endpoints from the database; False when Asterisk is not ours."""
    if settings.asterisk.mode is AsteriskMode.EXTERNAL:
        return False  # the admin adds the endpoint to their own Asterisk (`voxdesk asterisk config`)
    from telephony.cli import agent_credentials
    from telephony.sandbox import AsteriskSandbox

    sandbox = AsteriskSandbox(settings)
    if not sandbox.status().running:
        return False  # rendered at the next start
    sandbox.up(agents=agent_credentials(settings))
    return True


def _refuse(exc: AccountError | WeakPasswordError) -> HTTPException:
    if isinstance(exc, AccountExistsError):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, AccountNotFoundError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.post("/api/admin/users", status_code=201, dependencies=[ADMINS])
def create_user_account(
    body: UserCreate, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> UserCreated:
    """Add a user; an agent also gets a SIP account whose password is shown here once."""
    if body.username == "caller":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'caller' is reserved for test calls")
    try:
        user, sip_password = add_user(
            session, actor=principal.username, username=body.username,
            display_name=body.display_name, role=body.role, password=body.password,
        )  # fmt: skip
        session.commit()
    except (AccountError, WeakPasswordError) as exc:
        session.rollback()
        raise _refuse(exc) from None
    sip = None
    if sip_password is not None:
        account = sip_account_of(session, user.id)
        assert account is not None
        sip = SipSetup(username=account.username, realm=account.realm, server=_server(settings),
                       password=sip_password)  # fmt: skip
    reloaded = reload_agent_endpoints(settings) if sip else False
    return UserCreated(
        id=user.id, username=user.username, role=user.role, sip=sip, asterisk_reloaded=reloaded
    )


@router.post("/api/admin/users/{user_id}/sip-password", dependencies=[ADMINS])
def rotate_agent_sip_password(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> SipRotated:
    """Issue a new SIP password for an agent (shown once); the old one stops working."""
    try:
        account, password = rotate_sip_password(session, actor=principal.username, user_id=user_id)
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise _refuse(exc) from None
    sip = SipSetup(
        username=account.username, realm=account.realm, server=_server(settings), password=password
    )
    return SipRotated(sip=sip, asterisk_reloaded=reload_agent_endpoints(settings))


@router.post("/api/admin/users/{user_id}/password", status_code=204, dependencies=[ADMINS])
def reset_user_password(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: PasswordReset,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> None:
    """Set a user's console password (tell them by a channel of your own; it is never shown back)."""
    try:
        set_password(session, actor=principal.username, user_id=user_id, new_password=body.new_password)
        session.commit()
    except (AccountError, WeakPasswordError) as exc:
        session.rollback()
        raise _refuse(exc) from None


@router.get("/api/agents/me/sip", dependencies=[AGENTS])
def my_softphone_setup(principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep) -> SipSetup:
    """The agent's softphone settings (without the password, which only the admin saw once)."""
    account = sip_account_of(session, principal.user_id)
    if account is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "you have no SIP account; ask an admin for one")
    return SipSetup(username=account.username, realm=account.realm, server=_server(settings))
