"""SIP credentials of agent softphones, as Asterisk needs them: a digest hash, never a password."""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.security import sip_ha1

_SIP_USER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# The browser endpoint of an account is the account's name plus this (pjsip_agents.conf.j2).
BROWSER_SUFFIX = "-web"


def browser_endpoint(username: str) -> str:
    """The pjsip endpoint (and SIP user) a browser softphone of ``username`` registers as."""
    return username + BROWSER_SUFFIX


def account_of_endpoint(resource: str) -> str:
    """The SIP account a pjsip endpoint belongs to: ``agent1`` for ``agent1`` and ``agent1-web``."""
    return resource.removesuffix(BROWSER_SUFFIX)


@dataclass(frozen=True)
class SipCredentialSpec:
    """One agent endpoint: SIP username, digest realm and HA1 (hex MD5 of ``user:realm:password``).

    The username becomes a pjsip section name, so it is restricted to characters that are safe there.
    """

    username: str
    realm: str
    ha1: str

    def __post_init__(self) -> None:
        if (
            not _SIP_USER.match(self.username)
            or self.username == "caller"
            or self.username.endswith(BROWSER_SUFFIX)
        ):
            raise ValueError(
                f"{self.username!r} cannot be a SIP username (letters, digits, . _ -; not 'caller', "
                f"not ending in {BROWSER_SUFFIX!r}, the name of an account's browser endpoint)"
            )
        if not re.fullmatch(r"[0-9a-f]{32}", self.ha1):
            raise ValueError(f"HA1 for {self.username!r} must be 32 lowercase hex digits")
        if not self.realm or any(ch in self.realm for ch in '"\n;'):
            raise ValueError(f"realm {self.realm!r} is empty or holds characters pjsip.conf cannot carry")

    @classmethod
    def from_password(cls, username: str, realm: str, password: str) -> SipCredentialSpec:
        """Hash a password straight away (tests and the demo); the password itself is not kept."""
        return cls(username, realm, sip_ha1(username, realm, password))


def stored_agent_credentials(database_url: str) -> list[SipCredentialSpec]:
    """Every agent's SIP credentials from the Voxdesk database (empty before the schema exists).

    The only place the sandbox reads the database, so ``voxdesk asterisk up`` and ``voxdesk up`` render
    the same endpoints.
    """
    try:
        from sqlalchemy import select
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.orm import Session

        from config.db import make_engine
        from config.models import SipCredential
    except ImportError:
        return []
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(SipCredential.username, SipCredential.realm, SipCredential.ha1)
            ).all()
    except SQLAlchemyError:  # not migrated yet: no agents to configure
        return []
    finally:
        engine.dispose()
    return [SipCredentialSpec(username, realm, ha1.lower()) for username, realm, ha1 in rows]
