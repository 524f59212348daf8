"""Who sees what on the console's live feed: the object-level rules of ``/ws/calls``, without I/O.

What is live is the floor's: supervisors, QA managers and admins see every call, agent and
transcript (supervisors may listen in on any call). An agent sees their own status and the calls they
are on (state changes, the transcript partials and finals of both legs, and the call's live QA: its
compliance alerts, disclosures said and assist suggestions, while they are on it);
waiting calls of their queues are the queue's business and are not relayed. Ticket notices (SLA
reminders, escalations, mentions, assignments) follow the ticket rule of :mod:`tickets.access`: a
notice for a user whose work the viewer sees, or about a ticket of the viewer's groups (QA managers
and admins: all). The rules read envelopes by type and data only, so the web process relays events
whose classes it never imported.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from config.events import Envelope, channel_name
from config.models import Role
from tickets.access import Scope, sees_ticket_notice

EVERYTHING_ROLES = frozenset({Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN})
CONSOLE_ROLES = frozenset({Role.AGENT, *EVERYTHING_ROLES})
# Ticket history actions that are notices for a person (the rest is the ticket view's business).
TICKET_NOTICE_ACTIONS = frozenset({"assigned", "sla_reminder", "sla_breached", "escalated"})
CALL_OVER_STATES = frozenset({"ended", "abandoned"})


def is_relayed(envelope: Envelope) -> bool:
    """The event types the console feed carries at all."""
    kind = envelope.type
    if kind.startswith(("call.", "agent.", "transcript.", "qa.")) or kind == "ticket.agent_notice":
        return True
    return kind == "ticket.changed" and envelope.data.get("action") in TICKET_NOTICE_ACTIONS


@dataclass(frozen=True)
class Viewer:
    """The signed-in console user: ``agent_id`` is their SIP user name, None without one; ``access``
    their object-level scope (groups, the people whose work they see), only themselves if not given."""

    role: Role
    user_id: int
    agent_id: str | None = None
    access: Scope | None = None

    @property
    def scope_of_tickets(self) -> Scope:
        return self.access or Scope(self.user_id, self.role, people=frozenset({self.user_id}))

    @property
    def sees_everything(self) -> bool:
        return self.role in EVERYTHING_ROLES

    @property
    def scope(self) -> str:
        if self.sees_everything:
            return "all"
        return self.agent_id or f"user:{self.user_id}"

    def channels(self) -> list[str]:
        """Channels an agent listens to from the start (their call channels come and go)."""
        if self.sees_everything:
            return []
        names = [channel_name("agent", self.user_id)]  # ticket notices are addressed by user id
        if self.agent_id is not None:
            names.insert(0, channel_name("agent", self.agent_id))
        return names

    def patterns(self) -> list[str]:
        """Channel patterns: everything for supervisors; every ticket for an agent (filtered to theirs)."""
        if self.sees_everything:
            return [channel_name(kind, "*") for kind in ("call", "agent", "ticket")]
        return [channel_name("ticket", "*")]


@dataclass(frozen=True)
class Verdict:
    """Whether to send an envelope on, and which call channels to start or stop listening to."""

    relay: bool
    follow: str | None = None
    unfollow: str | None = None


@dataclass
class FeedFilter:
    """Decides, envelope by envelope, what one console sees; remembers the calls an agent is on."""

    viewer: Viewer
    following: set[str] = field(default_factory=set)

    def admit(self, envelope: Envelope) -> Verdict:
        if not is_relayed(envelope):
            return Verdict(False)
        data, kind = envelope.data, envelope.type
        if kind.startswith("ticket."):
            return Verdict(self._ticket_notice_for_me(kind, data))
        if self.viewer.sees_everything:
            return Verdict(True)
        call_id = data.get("call_id")
        mine = self.viewer.agent_id is not None and data.get("agent_id") == self.viewer.agent_id
        if kind.startswith("agent."):
            # The agent's own status names the call they took: follow it (a console that connected
            # while the call rang learns it here too).
            if not mine:
                return Verdict(False)
            return self._following(call_id) if isinstance(call_id, str) and call_id else Verdict(True)
        if not isinstance(call_id, str):
            return Verdict(mine)
        followed = call_id in self.following
        if kind.startswith(("transcript.", "qa.")):  # what is said on a call, and QA of it
            return Verdict(followed)
        if kind == "call.ended" or (kind == "call.offer_missed" and mine):
            return self._unfollowing(call_id, relay=mine or followed)
        if kind == "call.state_changed":
            if data.get("state") in CALL_OVER_STATES:
                return self._unfollowing(call_id, relay=mine or followed)
            if mine:
                return self._following(call_id)
            if followed:  # the call moved to someone else (a transfer): tell them, then let go
                return self._unfollowing(call_id, relay=True)
            return Verdict(False)
        return Verdict(mine or followed)

    def _ticket_notice_for_me(self, kind: str, data: dict[str, object]) -> bool:
        scope = self.viewer.scope_of_tickets
        if kind == "ticket.agent_notice":  # addressed to one user: theirs, or a supervisor's team
            return scope.sees_all or data.get("agent_id") in scope.people
        return sees_ticket_notice(scope, data.get("assignee_id"), data.get("group_id"))

    def _following(self, call_id: str) -> Verdict:
        if call_id in self.following:
            return Verdict(True)
        self.following.add(call_id)
        return Verdict(True, follow=call_id)

    def _unfollowing(self, call_id: str, *, relay: bool) -> Verdict:
        if call_id not in self.following:
            return Verdict(relay)
        self.following.discard(call_id)
        return Verdict(relay, unfollow=call_id)


class SeenEvents:
    """Event ids already sent: a call event is published on its call, agent and queue channels."""

    def __init__(self, remember: int = 1024) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._remember = remember

    def first_time(self, envelope: Envelope) -> bool:
        key = envelope.id
        if not key:
            return True
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        return True
