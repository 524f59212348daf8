"""Who may read and write scorecards: the floor reads all, an agent their own; QA reviews.

- read: supervisors, QA managers and admins every scorecard; an agent the scorecards of calls they
  took (by their SIP user name); anyone else sees none (404, like a missing one)
- review (override, mark reviewed): QA managers and admins; others who can see it get 403
- coaching notes: QA managers, supervisors and admins; an agent reads the notes on their own
"""

from __future__ import annotations

from dataclasses import dataclass

from config.models import Role
from qa.scorecards.exceptions import ScorecardNotFoundError, ScorecardWriteForbiddenError
from qa.scorecards.models import Scorecard

READ_ALL_ROLES = frozenset({Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN})
REVIEW_ROLES = frozenset({Role.QA_MANAGER, Role.ADMIN})
COACH_ROLES = frozenset({Role.QA_MANAGER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as scorecards see them (``agent_id``: their SIP user name, if any)."""

    user_id: int
    role: Role
    agent_id: str | None = None

    @property
    def reads_all(self) -> bool:
        return self.role in READ_ALL_ROLES

    def may_read(self, agent_id: str) -> bool:
        return self.reads_all or (self.agent_id is not None and self.agent_id == agent_id)


def readable(viewer: Viewer, card: Scorecard | None, what: str) -> Scorecard:
    """The scorecard if the viewer may see it; otherwise the same 404 as for a missing one."""
    if card is None or not viewer.may_read(card.agent_id):
        raise ScorecardNotFoundError(f"no scorecard {what}")
    return card


def check_review(viewer: Viewer) -> None:
    if viewer.role not in REVIEW_ROLES:
        raise ScorecardWriteForbiddenError("only QA managers and admins review scorecards")


def check_coach(viewer: Viewer) -> None:
    if viewer.role not in COACH_ROLES:
        raise ScorecardWriteForbiddenError("only QA managers, supervisors and admins write coaching notes")
