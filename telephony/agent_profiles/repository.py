"""Reading and writing agent profiles and the SIP account that makes a user an agent."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.models import Role, SipCredential, User
from telephony.agent_profiles.models import AgentProfile


@dataclass(frozen=True)
class AgentIdentity:
    """What call control needs to log a user in: agent id (the SIP user name), endpoint, skills, queues."""

    user_id: int
    agent_id: str
    skills: dict[str, int] = field(default_factory=dict)
    queues: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"PJSIP/{self.agent_id}"


def agent_identity(session: Session, user_id: int) -> AgentIdentity | None:
    """The user's agent identity, or None when they have no SIP account."""
    credential = session.scalars(select(SipCredential).where(SipCredential.user_id == user_id)).first()
    if credential is None:
        return None
    profile = session.scalars(select(AgentProfile).where(AgentProfile.user_id == user_id)).first()
    if profile is None:
        return AgentIdentity(user_id, credential.username)
    return AgentIdentity(user_id, credential.username, dict(profile.skills), list(profile.queues))


def queue_agent_for_sip(session: Session, username: str) -> AgentIdentity | None:
    """The active agent (role agent) whose SIP account is ``username``, the endpoint's name; None for
    other devices and for supervisors, whose phones ring only when they supervise a call."""
    user_id = session.scalars(
        select(SipCredential.user_id)
        .join(User, User.id == SipCredential.user_id)
        .where(SipCredential.username == username, User.role == Role.AGENT, User.is_active.is_(True))
    ).first()
    return None if user_id is None else agent_identity(session, user_id)


def save_profile(session: Session, user_id: int, skills: dict[str, int], queues: list[str]) -> AgentProfile:
    """Create or replace the user's profile (the caller commits)."""
    if session.get(User, user_id) is None:
        raise LookupError(f"no user {user_id}")
    profile = session.scalars(select(AgentProfile).where(AgentProfile.user_id == user_id)).first()
    if profile is None:
        profile = AgentProfile(user_id=user_id)
        session.add(profile)
    profile.skills, profile.queues = dict(skills), list(queues)
    session.flush()
    return profile
