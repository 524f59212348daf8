"""How fast the controller answers: StasisStart (as Asterisk stamped it, and as we received it) -> answered.

The event stream notes when each channel's StasisStart arrived; :meth:`AriRest.answer` closes the
measurement when Asterisk has confirmed the answer. Figures go to the debug log and to
:data:`ANSWER_TIMING` (the bench reads its percentiles). Only the last few thousand are kept.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime

log = logging.getLogger(__name__)


def _asterisk_epoch(stamp: str) -> float | None:
    """ARI's ``2024-05-01T10:00:00.123+0000`` as epoch seconds."""
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except ValueError:
        return None


@dataclass
class AnswerTiming:
    """Per answered channel: Asterisk's StasisStart stamp -> received here -> answer confirmed (ms)."""

    keep: int = 5000
    _started: OrderedDict[str, tuple[float | None, float]] = field(default_factory=OrderedDict)
    delivery_ms: deque[float] = field(default_factory=lambda: deque(maxlen=5000))
    answer_ms: deque[float] = field(default_factory=lambda: deque(maxlen=5000))

    def stasis_started(self, channel_id: str, asterisk_stamp: str) -> None:
        self._started[channel_id] = (_asterisk_epoch(asterisk_stamp), time.time())
        while len(self._started) > self.keep:
            self._started.popitem(last=False)

    def answered(self, channel_id: str) -> None:
        started = self._started.pop(channel_id, None)
        if started is None:
            return  # an outbound or recovered channel: no StasisStart seen for it in this process
        stamped, received = started
        now = time.time()
        self.answer_ms.append((now - received) * 1000)
        if stamped is not None:
            self.delivery_ms.append((received - stamped) * 1000)
        log.debug(
            "channel %s answered %.1f ms after its StasisStart arrived", channel_id, (now - received) * 1000
        )

    def summary(self) -> dict[str, dict[str, float | int | None]]:
        """p50/p95/max of each stage, in ms."""

        def stats(values: deque[float]) -> dict[str, float | int | None]:
            ordered = sorted(values)
            if not ordered:
                return {"n": 0, "p50": None, "p95": None, "max": None}
            pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
            return {"n": len(ordered), "p50": pick(0.5), "p95": pick(0.95), "max": round(ordered[-1], 1)}

        return {
            "asterisk_to_controller_ms": stats(self.delivery_ms),
            "stasis_start_to_answered_ms": stats(self.answer_ms),
        }

    def reset(self) -> None:
        self._started.clear()
        self.delivery_ms.clear()
        self.answer_ms.clear()


ANSWER_TIMING = AnswerTiming()
