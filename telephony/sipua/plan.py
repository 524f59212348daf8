"""What the SIP user agent should do (plans) and what it reports back (results), as plain values.

Plans turn into the agent's command line and results are built from its JSON summary, so the same
types serve the tests, the benchmarks and ``voxdesk call``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DtmfStep:
    """Send ``digits`` (RFC 4733) ``at`` seconds after the call is answered."""

    digits: str
    at: float

    def to_arg(self) -> str:
        """``digits@seconds``, the agent's ``--dtmf`` syntax."""
        return f"{self.digits}@{self.at}"

    @classmethod
    def parse(cls, text: str) -> DtmfStep:
        """Read ``digits@seconds``."""
        digits, _, at = text.partition("@")
        if not digits or not all(ch in "0123456789*#ABCD" for ch in digits):
            raise ValueError(f"{digits!r} is not a DTMF digit string")
        return cls(digits, float(at or 0.0))


@dataclass(frozen=True)
class CallPlan:
    """One outgoing call as the test caller: what to play, which digits to press, when to hang up.

    Times are seconds after the call is answered. ``say`` is synthesised with espeak-ng when no WAV
    is given.
    """

    number: str
    server: str = "127.0.0.1:5060"
    wav: Path | None = None
    say: str | None = None
    play_at: float = 0.5
    dtmf: tuple[DtmfStep, ...] = ()
    record: Path | None = None
    hangup_after: float = 5.0
    user: str = "caller"
    codec: str = "PCMU/8000"

    def to_argv(self) -> list[str]:
        """The agent's ``call`` command line."""
        argv = ["call", self.number, "--server", self.server, "--user", self.user, "--codec", self.codec]
        argv += ["--play-at", str(self.play_at), "--hangup-after", str(self.hangup_after)]
        if self.wav is not None:
            argv += ["--wav", str(self.wav)]
        if self.say:
            argv += ["--say", self.say]
        if self.record is not None:
            argv += ["--record", str(self.record)]
        for step in self.dtmf:
            argv += ["--dtmf", step.to_arg()]
        return argv


@dataclass(frozen=True)
class SoftphonePlan:
    """An agent softphone: register with digest credentials, auto-answer, play and record.

    ``duration`` None keeps it running until stopped.
    """

    username: str
    password: str
    server: str = "127.0.0.1:5060"
    wav: Path | None = None
    record: Path | None = None
    duration: float | None = None
    codec: str = "PCMU/8000"

    def to_argv(self) -> list[str]:
        """The agent's ``softphone`` command line (the password goes through the environment)."""
        argv = ["softphone", self.username, "--server", self.server, "--codec", self.codec]
        if self.wav is not None:
            argv += ["--wav", str(self.wav)]
        if self.record is not None:
            argv += ["--record", str(self.record)]
        if self.duration is not None:
            argv += ["--duration", str(self.duration)]
        return argv


@dataclass(frozen=True)
class CallResult:
    """What the caller saw: SIP outcome, timings, DTMF, and where the received audio was recorded."""

    answered: bool
    status_code: int | None
    setup_seconds: float | None
    talk_seconds: float | None
    dtmf_sent: tuple[str, ...]
    dtmf_received: str
    record: Path | None
    exit_code: int
    events: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    @classmethod
    def from_summary(
        cls, summary: dict[str, Any], events: list[dict[str, Any]], exit_code: int
    ) -> CallResult:
        """Build from the agent's final ``summary`` line."""
        record = summary.get("record")
        return cls(
            answered=bool(summary.get("answered")),
            status_code=summary.get("status_code"),
            setup_seconds=summary.get("setup_seconds"),
            talk_seconds=summary.get("talk_seconds"),
            dtmf_sent=tuple(summary.get("dtmf_sent", ())),
            dtmf_received=str(summary.get("dtmf_received", "")),
            record=Path(record) if record else None,
            exit_code=exit_code,
            events=tuple(events),
        )


@dataclass(frozen=True)
class SoftphoneResult:
    """What the softphone saw while it ran."""

    registered: bool
    calls_answered: int
    dtmf_received: str
    exit_code: int
    events: tuple[dict[str, Any], ...] = field(default=(), repr=False)
