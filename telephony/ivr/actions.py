"""What an IVR session asks the Stasis app to do, as small immutable values.

Actions come in a tuple and are performed in order. ``Play`` starts a playback; a following
``CollectDtmf``/``ListenSpeech`` opens input at once (barge-in) and its no-input timer starts when the
playbacks before it have finished (and restarts on every digit). When a session returns only ``Play``
actions it waits for ``on_playback_finished(ref)``. A terminal action (route, transfer, voicemail,
callback, hang-up) ends the session; a ``Play`` before it should be let finish first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LookupKind = Literal["customer", "order"]


@dataclass(frozen=True, slots=True)
class Play:
    """Play a text prompt (synthesised) or an Asterisk sound; ``ref`` names this playback."""

    text: str | None
    sound: str | None
    language: str
    ref: str


@dataclass(frozen=True, slots=True)
class CollectDtmf:
    """Accept up to ``max_digits`` DTMF digits; call ``on_timeout(token)`` after ``timeout`` s of quiet."""

    max_digits: int
    timeout: float
    terminator: str | None
    token: int


@dataclass(frozen=True, slots=True)
class ListenSpeech:
    """Recognise speech (if available) and pass the text to ``on_speech``; same timer as CollectDtmf.
    No ``keywords`` means free speech (the FAQ step's question)."""

    keywords: tuple[str, ...]
    timeout: float
    language: str
    token: int


@dataclass(frozen=True, slots=True)
class Lookup:
    """Look something up and answer with ``on_lookup_result``; ``on_timeout(token)`` if it takes too long."""

    kind: LookupKind
    value: str
    timeout: float
    token: int


@dataclass(frozen=True, slots=True)
class AskFaq:
    """Ask the FAQ bot about what the caller said; answer with ``on_faq_answer(answer, token)``,
    or ``on_timeout(token)`` when the bot takes longer than ``timeout``."""

    question: str
    language: str
    timeout: float
    token: int


@dataclass(frozen=True, slots=True)
class RouteToQueue:
    """Put the caller in ``queue``; ``choice`` is the IVR choice that routing rules may look at."""

    queue: str
    priority: int
    skills: tuple[tuple[str, int], ...]
    language: str
    choice: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """Blind-transfer the caller to an outside number or extension."""

    number: str


@dataclass(frozen=True, slots=True)
class Voicemail:
    """Record a message into mailbox ``box``."""

    box: str


@dataclass(frozen=True, slots=True)
class Callback:
    """Register a callback request to ``number``, handled by ``queue``; then hang up."""

    number: str
    queue: str


@dataclass(frozen=True, slots=True)
class Hangup:
    """End the call."""

    reason: str


InputAction = CollectDtmf | ListenSpeech
TerminalAction = RouteToQueue | Transfer | Voicemail | Callback | Hangup
IvrAction = Play | CollectDtmf | ListenSpeech | Lookup | AskFaq | TerminalAction
