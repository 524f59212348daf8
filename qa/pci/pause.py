"""The sink that pauses a call's recording while its caller reads card data.

qa/ does not know how a recording is paused: the composition root hands in ``set_paused`` (it sends
the telephony command). Only the call id and a flag leave this sink, never what was said.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from asr.frames import FinalTranscript, LegRef, PartialTranscript
from asr.sinks import LagReport
from qa.pci.watch import CardDataWatch

log = logging.getLogger(__name__)

TICK_SECONDS = 0.25


class RecordingPauseSink:
    """A transcript sink for one call's caller leg (thread-safe: frames and a ticking timer)."""

    def __init__(
        self,
        call_id: str,
        set_paused: Callable[[str, bool], None],
        *,
        watch: CardDataWatch | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.call_id = call_id
        self._set_paused = set_paused
        self._watch = watch or CardDataWatch()
        self._clock = clock
        self._lock = threading.Lock()
        self._ticking = False
        self._closed = threading.Event()

    def partial(self, transcript: PartialTranscript) -> None:
        self._hear(transcript)

    def final(self, transcript: FinalTranscript) -> None:
        self._hear(transcript)

    def lag(self, report: LagReport) -> None:
        """Lag says nothing about card data."""

    def leg_closed(self, leg: LegRef) -> None:
        """Hang-up: resume if still paused, stop ticking."""
        self._closed.set()
        with self._lock:
            self._send(self._watch.finish())

    def _hear(self, transcript: PartialTranscript | FinalTranscript) -> None:
        # Sends happen under the lock so a pause and a resume always reach the controller in order.
        with self._lock:
            self._send(self._watch.hear(transcript, self._clock()))
            start_ticking = self._watch.paused and not self._ticking
            self._ticking = self._ticking or start_ticking
        if start_ticking:
            threading.Thread(target=self._tick, name=f"pci-pause-{self.call_id}", daemon=True).start()

    def _tick(self) -> None:
        """Resume when the quiet time passed even if the caller says nothing more."""
        while not self._closed.wait(TICK_SECONDS):
            with self._lock:
                self._send(self._watch.tick(self._clock()))
                self._ticking = self._watch.paused
                if not self._ticking:
                    return
        with self._lock:
            self._ticking = False

    def _send(self, change: bool | None) -> None:
        if change is None:
            return
        log.info("call %s: recording %s (card data)", self.call_id, "paused" if change else "resumed")
        try:
            self._set_paused(self.call_id, change)
        except Exception:  # the call goes on; the controller may be restarting
            action = "pause" if change else "resume"
            log.warning("call %s: could not %s the recording", self.call_id, action, exc_info=True)
