"""Asyncio ARI client: typed REST calls (:class:`AriRest`) and the events stream (:class:`EventStream`).

``telephony/`` is the only package that talks to Asterisk; everything else sends commands to it.
"""

from telephony.ari.backoff import Backoff
from telephony.ari.events import AriEvent, parse_event
from telephony.ari.exceptions import AriConflictError, AriError, AriNotFoundError, AriUnavailableError
from telephony.ari.registry import HandlerRegistry
from telephony.ari.rest import AriRest
from telephony.ari.stream import EventStream, events_url

__all__ = [
    "AriConflictError",
    "AriError",
    "AriEvent",
    "AriNotFoundError",
    "AriRest",
    "AriUnavailableError",
    "Backoff",
    "EventStream",
    "HandlerRegistry",
    "events_url",
    "parse_event",
]
