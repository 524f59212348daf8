"""The IVR's ear: how a speech menu asks for the caller's words (the seam the driver talks to).

While a menu with spoken keywords waits for input, the driver calls ``listen`` with its phrases;
what the caller says comes back later through ``InboundStasis.caller_said``, never as a return
value, because the words travel telephony -> media worker -> transcript event -> controller.
``stop`` at the end of the IVR returns the leg to free speech for the live transcript.
"""

from __future__ import annotations

from typing import Protocol


class CallerSpeech(Protocol):
    async def listen(self, call_id: str, phrases: tuple[str, ...]) -> None:
        """Hear the caller with these phrases from now on (empty: free speech, still heard)."""

    async def stop(self, call_id: str) -> None:
        """The IVR is over for this call: stop hearing it, free speech again on the leg."""


class NoCallerSpeech:
    """No speech path (no media worker configured): menus work by DTMF only."""

    async def listen(self, call_id: str, phrases: tuple[str, ...]) -> None:
        return None

    async def stop(self, call_id: str) -> None:
        return None
