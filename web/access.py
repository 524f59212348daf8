"""The web's door to :mod:`tickets.access`: the signed-in user's scope as a dependency.

Routes take ``ScopeDep`` and hand it to the access guards and list filters; WebSockets call
:func:`scope_of` in a worker thread. The SIP account and queues come from telephony's agent profile,
which the tickets feature may not import.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from telephony.agent_profiles.repository import agent_identity
from tickets.access import Scope, load_scope
from web.auth import CurrentPrincipal, Principal
from web.deps import SessionDep


def scope_of(session: Session, principal: Principal) -> Scope:
    identity = agent_identity(session, principal.user_id)
    return load_scope(
        session,
        principal.user_id,
        principal.role,
        identity.agent_id if identity else None,
        identity.queues if identity else (),
    )


def current_scope(principal: CurrentPrincipal, session: SessionDep) -> Scope:
    return scope_of(session, principal)


ScopeDep = Annotated[Scope, Depends(current_scope)]
