"""Admins add users and agents' SIP accounts; agents read how to set up their softphone.

A SIP password is generated, shown once in the answer and kept only as its digest hash. Web does
not touch Asterisk: it queues a ``ReloadSipEndpoints`` command, and the controller (which owns
Asterisk) renders the endpoints from the database and reloads pjsip, so the softphone can register
a moment later without a restart.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.accounts import (
    AccountError,
    add_user,
    list_users,
    public_name_of,
    rotate_sip_password,
    set_password,
    set_public_name,
    sip_account_of,
    update_user,
)
from config.errors import InvalidInputError, NotFoundError, WeakPasswordError
from config.models import Role, User
from config.settings import Settings
from telephony.commands.schemas import ReloadSipEndpoints
from telephony.sandbox.agents import BROWSER_SUFFIX
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep, SettingsDep
from web.session_lookup import session_lookup
from web.telephony import CommandsDep, CommandSender

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


class PublicNameUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_name: str = Field(min_length=1, max_length=64, description="what customers see; not the username")


class PublicNamePublic(BaseModel):
    user_id: int
    public_name: str


class UserUpdate(BaseModel):
    """What an admin may change on a user; any change signs the user out everywhere."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = Field(default=None, description="false: the user can no longer sign in")

    @model_validator(mode="after")
    def _something_to_change(self) -> UserUpdate:
        if self.role is None and self.is_active is None:
            raise ValueError("give role, is_active or both")
        return self


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    is_active: bool


class SipSetup(BaseModel):
    """What an agent types into a softphone (Linphone, Zoiper, MicroSIP, a desk phone)."""

    username: str
    realm: str
    server: str
    transport: str = "udp"
    codecs: list[str] = SIP_CODECS
    password: str | None = Field(default=None, description="only in the answer that created it")


RELOAD_NOTE = "id of the command that makes call control reload the SIP endpoints (a refusal is announced)"


class UserCreated(BaseModel):
    id: int
    username: str
    public_name: str = Field(description="what customers see (chat, e-mail signature)")
    role: Role
    sip: SipSetup | None
    endpoints_reload_command: str | None = Field(description=RELOAD_NOTE)


class SipRotated(BaseModel):
    sip: SipSetup
    endpoints_reload_command: str = Field(description=RELOAD_NOTE)


def _server(settings: Settings) -> str:
    return f"{settings.asterisk.bind_address}:{settings.asterisk.sip_port}"


def reload_endpoints(commands: CommandSender, actor: str) -> str:
    """Ask call control to apply the stored SIP accounts to Asterisk; returns the command id."""
    return commands.send(ReloadSipEndpoints(actor=actor)).command_id


@router.get("/api/admin/users", dependencies=[ADMINS])
def read_users(session: SessionDep) -> list[UserPublic]:
    """Every user with their role and whether they may sign in."""
    return [_public(user) for user in list_users(session)]


@router.post("/api/admin/users", status_code=201, dependencies=[ADMINS])
def create_user_account(
    body: UserCreate, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep,
    commands: CommandsDep,
) -> UserCreated:  # fmt: skip
    """Add a user; an agent also gets a SIP account whose password is shown here once."""
    if body.username == "caller":
        raise InvalidInputError("'caller' is reserved for test calls")
    if body.username.endswith(BROWSER_SUFFIX):
        raise InvalidInputError(f"a username ending in {BROWSER_SUFFIX!r} names a browser phone endpoint")
    try:
        user, sip_password = add_user(
            session, actor=principal.username, username=body.username,
            display_name=body.display_name, role=body.role, password=body.password,
        )  # fmt: skip
        session.commit()
    except (AccountError, WeakPasswordError):
        session.rollback()
        raise
    sip = None
    if sip_password is not None:
        account = sip_account_of(session, user.id)
        assert account is not None
        sip = SipSetup(username=account.username, realm=account.realm, server=_server(settings),
                       password=sip_password)  # fmt: skip
    reload = reload_endpoints(commands, principal.username) if sip else None
    return UserCreated(
        id=user.id, username=user.username, public_name=public_name_of(user), role=user.role, sip=sip,
        endpoints_reload_command=reload,
    )  # fmt: skip


@router.post("/api/admin/users/{user_id}/sip-password", dependencies=[ADMINS])
def rotate_agent_sip_password(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep, commands: CommandsDep,
) -> SipRotated:
    """Issue a new SIP password for an agent (shown once); the old one stops working."""
    try:
        account, password = rotate_sip_password(session, actor=principal.username, user_id=user_id)
        session.commit()
    except AccountError:
        session.rollback()
        raise
    sip = SipSetup(
        username=account.username, realm=account.realm, server=_server(settings), password=password
    )
    return SipRotated(sip=sip, endpoints_reload_command=reload_endpoints(commands, principal.username))


@router.post("/api/admin/users/{user_id}/password", status_code=204, dependencies=[ADMINS])
def reset_user_password(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: PasswordReset,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
) -> None:
    """Set a user's console password (tell them by a channel of your own; it is never shown back).
    The user's open sessions all end."""
    try:
        set_password(session, actor=principal.username, user_id=user_id, new_password=body.new_password)
        session.commit()
    except (AccountError, WeakPasswordError):
        session.rollback()
        raise
    session_lookup(request.app.state).cache.forget_user(user_id)


@router.patch("/api/admin/users/{user_id}", dependencies=[ADMINS])
def change_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: UserUpdate, principal: CurrentPrincipal, session: SessionDep, request: Request,
) -> UserPublic:  # fmt: skip
    """Change a user's role or deactivate (or reactivate) them; their open sessions all end."""
    try:
        user = update_user(session, actor=principal.username, user_id=user_id, role=body.role,
                           is_active=body.is_active)  # fmt: skip
        session.commit()
    except AccountError:
        session.rollback()
        raise
    session_lookup(request.app.state).cache.forget_user(user_id)  # other processes: within seconds
    return _public(user)


def _public(user: User) -> UserPublic:
    return UserPublic(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                      is_active=user.is_active)  # fmt: skip


def _rename(session: SessionDep, actor: str, user_id: int, public_name: str) -> PublicNamePublic:
    try:
        user = set_public_name(session, actor=actor, user_id=user_id, public_name=public_name)
        session.commit()
    except AccountError:
        session.rollback()
        raise
    return PublicNamePublic(user_id=user.id, public_name=public_name_of(user))


@router.put("/api/admin/users/{user_id}/public-name", dependencies=[ADMINS])
def set_user_public_name(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: PublicNameUpdate, principal: CurrentPrincipal,
    session: SessionDep,
) -> PublicNamePublic:  # fmt: skip
    """Set the name customers see for a user (web chat, e-mail signatures); never their username."""
    return _rename(session, principal.username, user_id, body.public_name)


@router.put("/api/me/public-name")
def set_my_public_name(
    body: PublicNameUpdate, principal: CurrentPrincipal, session: SessionDep
) -> PublicNamePublic:
    """Any signed-in user sets the name customers see for them (default: the first name)."""
    return _rename(session, principal.username, principal.user_id, body.public_name)


@router.get("/api/agents/me/sip", dependencies=[AGENTS])
def my_softphone_setup(principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep) -> SipSetup:
    """The agent's softphone settings (without the password, which only the admin saw once)."""
    account = sip_account_of(session, principal.user_id)
    if account is None:
        raise NotFoundError("you have no SIP account; ask an admin for one")
    return SipSetup(username=account.username, realm=account.realm, server=_server(settings))
