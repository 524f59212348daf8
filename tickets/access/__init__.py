"""Object-level access: who may read and change which ticket, conversation and customer.

The one place that decides. :mod:`tickets.access.filters` turns the rule into SQL conditions used
by lists and single objects alike; :mod:`tickets.access.guards` fetches one object and checks it;
:mod:`tickets.access.rules` holds what needs no database (QA is read-only, escalations, live
notices); :mod:`tickets.access.views` trims composite answers (customer view, call summary, order
look-up). ``web/access.py`` builds the :class:`Scope` of the signed-in user for routes and sockets.

The rule
- Admins: everything. QA managers: read everything, change nothing (any write answers 403); their
  own objects are QA's (scorecard reviews, coaching notes: ``qa.scorecards.access``).
- Agents: a *ticket* assigned to them, of a group they are a member or lead of, with a task of their
  groups or assigned to them, on a conversation assigned to them or a call they answered, or in the
  pool (no assignee and no group: anyone may pick it up). A *conversation* assigned to them, a call
  they answered, one carrying a ticket of theirs (above, without the conversation clause), or in the
  pool: a text thread nobody has taken and no ticket with an assignee or group claims, or an
  unanswered call of a queue they serve. An agent acting on a pool conversation (reply, joining the
  chat) takes it: it is then assigned to them. The agent who answers a call gets its conversation.
  A *customer* with a conversation or ticket they may see, or with no contact at all yet.
- Supervisors: what agents may, where "them" is every member and the lead of their groups (their
  team), plus every call conversation (calls are the floor's: they watch every queue and may join
  any call).
- A ticket escalated to its group's lead (SLA breach) is re-assigned, moved to another group, solved
  (also by finishing its last task) or closed only by that group (member or lead) or an admin: 403
  for anyone else who can see it.
- A ticket, conversation or customer the user may not see answers 404 with the message of a missing
  one (ids reveal nothing); one they see but may not change answers 403.

Every operation (R: read rule, W: read rule and not QA, -: role check only)

- GET /api/tickets (list, ``q`` search, every filter): rows filtered by R
- POST /api/tickets, POST /api/desk/templates/{id}/tickets: agent/supervisor; the named customer and
  conversation must be R (else 422 "does not exist")
- GET /api/tickets/{id}, /notes, /tasks, /history, /sla: R
- PATCH /api/tickets/{id}: W + the escalation rule
- POST /api/tickets/{id}/notes, /tasks: W
- PATCH /api/tickets/{id}/tasks/{task}: W + the escalation rule (finishing the last task solves it)
- GET /api/conversations/{id}/messages: R
- GET /api/inbox (the agent desk's list of text threads): rows filtered by R
- POST /api/conversations/{id}/replies: W; an agent takes a pool conversation
- POST /api/conversations/{id}/read: W
- GET /api/calls/{call}/conversation: R on the call's conversation; ticket ids trimmed to R
- PUT /api/calls/{call}/disposition: W on the call's conversation
- GET /api/calls/{call}/transcript: supervisors, QA, admins: any call; agents: the call's conversation R,
  a live call they are on, or one the record names them on
- GET /api/qa/alerts?call_id=: as the call's transcript; ?conversation_id=: R
- GET /api/calls/records/{call}/recording: as the call's transcript (audited)
- GET /api/qa/search: supervisors, QA, admins; rows filtered by R
- GET /api/qa/calls/{call}/review: supervisors, QA, admins (any call; its scorecard as below)
- POST /api/qa/check: - (console roles); GET/PUT /api/admin/compliance-rules: - (admins)
- POST /api/admin/compliance-rules/check (rules not saved yet, on a sample), GET /api/admin/users,
  POST /api/routing/{file}/validate, POST /api/ivr/flows/{name}/validate: - (admins)
- WS /ws/webchat/agent/{id}: R (else closed 4404, as for no chat); an agent takes a pool chat; QA
  watches read-only (frames refused)
- WS /ws/webchat/visitor: the visitor's own chat (signed visitor token)
- WS /ws/calls: calls, agents, transcripts: agents their own calls, supervisors/QA/admins all; ticket
  notices: about tickets assigned to their team or of their groups (QA, admin: all)
- POST /api/customers/lookup: found only if R; ``create`` is a write (QA 403)
- GET /api/customers/{id} (identities, conversations, calls, tickets, orders, devices, merges): R; its
  conversations, calls and tickets trimmed to R
- POST /api/customers/{id}/identities: agent/supervisor and W
- GET /api/customers/merge-suggestions: supervisors, QA managers, admins
- POST .../merge-suggestions/{id}/accept, /reject; POST /{id}/merge; POST /merges/{id}/unmerge:
  supervisors and admins (customer records desk-wide)
- GET /api/orders/{number}: not found if it is the order of a customer not R (unlinked orders by number)
- POST /api/orders/import, POST /api/csat/ivr, GET /api/csat/agents: - (supervisors; supervisors and QA)
- POST /api/csat/surveys: W on the conversation
- POST /api/csat/answers: - (the survey's signed token)
- GET /api/public/tickets/progress: - (the ticket's signed progress token in X-Progress-Token; status,
  tasks and public replies of that one ticket, never internal notes)
- GET /csat, /track: - (public pages; the token stays in the link's fragment)
- GET /api/desk/groups, /fields, /templates, /sla/*: - (configuration, readers)
- POST/PATCH /api/desk/groups, /templates, /fields, /sla/*: - (supervisors, admins)
- GET/POST /api/desk/groups/{id}/members, DELETE .../members/{user}: - (supervisors, admins; audited)
- GET /api/desk/groups/mine: - (the signed-in user's groups)
- GET /api/calls/live, /live/{call}; call actions, transfers: agents their own calls, supervisors any
  (telephony's CallConsole)
- POST /api/calls/{call}/supervise/{mode}, GET/PUT /api/agents...: - (supervisors)
- GET /api/calls/records, /records/{call}: - (supervisors, QA: reporting across the floor)
- GET /api/qa/scorecards, /qa/scorecards/{id}, /calls/{call}/scorecard, /qa/agents/{agent}/scores:
  supervisors, QA, admins: all; agents: the scorecards of calls they took (their SIP user name), else
  404. PUT /api/qa/scorecards/{id}/review: QA managers and admins; POST .../notes: QA managers,
  supervisors and admins; anyone else who sees the scorecard 403 (``qa.scorecards.access``).
  GET /api/qa/scorecards/{id}/calibration: supervisors, QA, admins (a QA manager sees the others'
  results once theirs are in); PUT .../calibration: QA managers and admins, else as PUT .../review
- GET /api/analytics, /analytics/training, /analytics/templates, /analytics/export: - (supervisors,
  QA, admins: figures across the floor); GET /api/analytics/drill: the same roles; its tickets, text
  conversations and surveys trimmed to R, its calls the floor's
"""

from __future__ import annotations

from tickets.access.filters import visible_conversations, visible_customers, visible_tickets
from tickets.access.guards import (
    call_link_for,
    check_new_ticket_links,
    conversation_for,
    customer_for,
    customer_visible,
    take_conversation,
    ticket_for,
    ticket_for_task_update,
    ticket_for_update,
)
from tickets.access.rules import AccessDeniedError, escalation_refusal, require_write, sees_ticket_notice
from tickets.access.scope import Scope, load_scope
from tickets.access.views import (
    call_summary_for,
    call_visible,
    customer_view_for,
    visible_customer,
    visible_order,
)

__all__ = [
    "AccessDeniedError",
    "Scope",
    "call_link_for",
    "call_summary_for",
    "call_visible",
    "check_new_ticket_links",
    "conversation_for",
    "customer_for",
    "customer_view_for",
    "customer_visible",
    "escalation_refusal",
    "load_scope",
    "require_write",
    "sees_ticket_notice",
    "take_conversation",
    "ticket_for",
    "ticket_for_task_update",
    "ticket_for_update",
    "visible_conversations",
    "visible_customer",
    "visible_customers",
    "visible_order",
    "visible_tickets",
]
