"""Users and agents' SIP accounts: created by admins, secrets shown once and stored only as hashes."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import errors
from config.errors import VoxdeskError
from config.models import AuditEntry, Role, SipCredential, User
from config.passwords import check_password_policy
from config.security import generate_secret, hash_password, sip_ha1
from config.sessions import revoke_user_sessions

SIP_REALM = "voxdesk"
GENERIC_PUBLIC_NAME = "Agent"  # when display_name offers nothing but the log-in name
PUBLIC_NAME = re.compile(r"^[^\x00-\x1f\x7f<>]{1,64}$")


class AccountError(VoxdeskError):
    """A user or SIP account cannot be created or changed as asked."""


class InvalidAccountError(AccountError, errors.InvalidInputError):
    """The request does not fit the user (a SIP account for someone who is not an agent)."""


class AccountExistsError(AccountError, errors.ConflictError):
    """The username is taken."""


class AccountNotFoundError(AccountError, errors.NotFoundError):
    """No such user."""


def list_users(session: Session) -> list[User]:
    """Every user, by username (admins manage a contact center's staff: hundreds, not millions)."""
    return list(session.scalars(select(User).order_by(User.username)))


def create_user(
    session: Session, username: str, display_name: str, role: Role, password: str,
    sip_password: str | None = None, actor: str = "system",
) -> User:
    """Add a user (and an agent's SIP account) with hashed secrets; the caller commits."""
    user = User(
        username=username, display_name=display_name, role=role, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    if sip_password is not None:
        session.add(
            SipCredential(
                user_id=user.id, username=username, realm=SIP_REALM,
                ha1=sip_ha1(username, SIP_REALM, sip_password),
            )
        )
    session.add(AuditEntry(actor=actor, action="user.created", target=f"user:{user.id}",
                           details={"role": role.value, "sip": sip_password is not None}))
    return user


def add_user(
    session: Session, *, actor: str, username: str, display_name: str, role: Role, password: str
) -> tuple[User, str | None]:
    """Create a user; agents also get a SIP account. Returns the user and the SIP password (once).

    Raises:
        WeakPasswordError: the password fails the policy (config/passwords.py).
        AccountExistsError: the username is taken.
    """
    check_password_policy(password, username)
    sip_password = generate_secret(12) if role is Role.AGENT else None
    try:
        with session.begin_nested():
            user = create_user(session, username, display_name, role, password, sip_password, actor)
    except IntegrityError:
        raise AccountExistsError(f"username {username!r} is taken") from None
    return user, sip_password


def rotate_sip_password(session: Session, *, actor: str, user_id: int) -> tuple[SipCredential, str]:
    """Give an agent a new SIP password (the old one stops working at the next reload)."""
    user = session.get(User, user_id)
    if user is None:
        raise AccountNotFoundError(f"no user {user_id}")
    if user.role is not Role.AGENT:
        raise InvalidAccountError(
            f"user {user.username!r} is a {user.role.value}; only agents have SIP accounts"
        )
    password = generate_secret(12)
    credential = session.scalar(select(SipCredential).where(SipCredential.user_id == user_id))
    if credential is None:
        credential = SipCredential(user_id=user_id, username=user.username, realm=SIP_REALM, ha1="")
        session.add(credential)
    credential.ha1 = sip_ha1(credential.username, credential.realm, password)
    session.add(AuditEntry(actor=actor, action="sip.password_rotated", target=f"user:{user_id}", details={}))
    session.flush()
    return credential, password


def sip_account_of(session: Session, user_id: int) -> SipCredential | None:
    """The agent's SIP account (username and realm; the password is never kept)."""
    return session.scalar(select(SipCredential).where(SipCredential.user_id == user_id))


def set_password(session: Session, *, actor: str, user_id: int, new_password: str) -> User:
    """Replace a user's console password (the policy applies); audited as a change or an admin reset.

    The caller has already checked who may do this (the user with their current password, or an
    admin). Every session of the user ends, the caller's own included: whoever held one, legitimately
    or not, signs in again with the new password.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AccountNotFoundError(f"no user {user_id}")
    check_password_policy(new_password, user.username)
    user.password_hash = hash_password(new_password)
    action = "user.password_changed" if actor == user.username else "user.password_reset"
    ended = revoke_user_sessions(session, user_id)
    session.add(AuditEntry(actor=actor, action=action, target=f"user:{user_id}",
                           details={"sessions_ended": ended}))
    session.flush()
    return user


def update_user(
    session: Session, *, actor: str, user_id: int, role: Role | None = None, is_active: bool | None = None
) -> User:
    """Change a user's role or whether they may sign in; audited. The caller commits.

    Any change ends every session of the user, so a demoted or deactivated user keeps no access
    from a session opened before (web also drops its short cache of the user's sessions).

    Raises:
        AccountNotFoundError: no such user.
        InvalidAccountError: an admin would demote or deactivate themselves (and could lock everyone out).
    """
    user = session.get(User, user_id)
    if user is None:
        raise AccountNotFoundError(f"no user {user_id}")
    changes: dict[str, object] = {}
    if role is not None and role is not user.role:
        changes["role"] = {"from": user.role.value, "to": role.value}
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = {"from": user.is_active, "to": is_active}
    if changes and user.username == actor:
        raise InvalidAccountError("you cannot change your own role or deactivate yourself; ask another admin")
    if not changes:
        return user
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    changes["sessions_ended"] = revoke_user_sessions(session, user_id)
    session.add(AuditEntry(actor=actor, action="user.updated", target=f"user:{user_id}", details=changes))
    session.flush()
    return user


def default_public_name(display_name: str, username: str) -> str:
    """The first name of ``display_name``; never the log-in name (a customer must not learn it)."""
    first = (display_name.split() or [""])[0][:64]
    return first if first and first.casefold() != username.casefold() else GENERIC_PUBLIC_NAME


def public_name_of(user: User) -> str:
    """What customers see of ``user``: their public name, else the default from display_name."""
    return user.public_name or default_public_name(user.display_name, user.username)


def public_name_for(session: Session, user_id: int | None) -> str:
    """The public name of user ``user_id`` (the generic one when there is no such user)."""
    user = session.get(User, user_id) if user_id is not None else None
    return public_name_of(user) if user is not None else GENERIC_PUBLIC_NAME


def set_public_name(session: Session, *, actor: str, user_id: int, public_name: str) -> User:
    """Set the name customers see (the user or an admin); refused when it is the log-in name.

    Raises:
        AccountNotFoundError: no such user.
        InvalidAccountError: empty, too long, markup or control characters, or the username.
    """
    user = session.get(User, user_id)
    if user is None:
        raise AccountNotFoundError(f"no user {user_id}")
    name = " ".join(public_name.split())
    if not PUBLIC_NAME.match(name):
        raise InvalidAccountError("a public name has 1 to 64 characters, without < > or control characters")
    if name.casefold() == user.username.casefold():
        raise InvalidAccountError("the public name must not be the log-in name: customers see it")
    user.public_name = name
    session.add(AuditEntry(actor=actor, action="user.public_name_set", target=f"user:{user_id}",
                           details={"public_name": name}))  # fmt: skip
    session.flush()
    return user
