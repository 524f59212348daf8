"""The IVR: flows from YAML, validated; a pure interpreter the Stasis app drives with call events.

The engine (flow, graph, nodes, session, speech matching) has no I/O; around it, in this package too:
``driver`` runs a session over ARI, ``flow_source`` holds the flow in use, ``prompts`` synthesises
what callers hear, ``listening`` asks the media worker to hear menu keywords, ``ticket_lookups``
answers customer and order look-ups from ``tickets``, ``exits`` are voicemail, transfer and hang-up.
Admins edit flows in ``<data_dir>/ivr`` (seeded from ``config/ivr``) through ``/api/ivr/flows``.

Entry points: :class:`FlowStore` (load/validate/replace flows), :class:`IvrSession` (one per call),
the action types in :mod:`telephony.ivr.actions`, and :func:`perform_lookup` for ``Lookup`` actions.
"""

from telephony.ivr.actions import (
    Callback,
    CollectDtmf,
    Hangup,
    IvrAction,
    ListenSpeech,
    Lookup,
    Play,
    RouteToQueue,
    TerminalAction,
    Transfer,
    Voicemail,
)
from telephony.ivr.exceptions import FlowProblem, IvrError, IvrFlowError, IvrSessionError
from telephony.ivr.flow import Flow, parse_flow
from telephony.ivr.lookups import (
    CustomerDirectory,
    CustomerRecord,
    OrderConnector,
    OrderStatus,
    perform_lookup,
)
from telephony.ivr.service import FlowNotFoundError, FlowSource, FlowStore
from telephony.ivr.session import IvrSession, PathStep, Waiting

__all__ = [
    "Callback",
    "CollectDtmf",
    "CustomerDirectory",
    "CustomerRecord",
    "Flow",
    "FlowNotFoundError",
    "FlowProblem",
    "FlowSource",
    "FlowStore",
    "Hangup",
    "IvrAction",
    "IvrError",
    "IvrFlowError",
    "IvrSession",
    "IvrSessionError",
    "ListenSpeech",
    "Lookup",
    "OrderConnector",
    "OrderStatus",
    "PathStep",
    "Play",
    "RouteToQueue",
    "TerminalAction",
    "Transfer",
    "Voicemail",
    "Waiting",
    "parse_flow",
    "perform_lookup",
]
