"""Run the SIP user agent in a child process and turn its JSON lines into typed results.

Used alike by tests, benchmarks and ``voxdesk call`` / ``voxdesk softphone``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from config.errors import VoxdeskError
from telephony.sipua.agent import PASSWORD_ENV
from telephony.sipua.plan import CallPlan, CallResult, SoftphonePlan, SoftphoneResult

EventSink = Callable[[dict[str, Any]], None]


class SipAgentError(VoxdeskError):
    """The SIP agent process failed before it could report a result."""


def _command(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "telephony.sipua.agent", *argv]


def _parse(line: str) -> dict[str, Any] | None:
    """A JSON event, or None for pjlib's own start-up log lines that share stdout."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def place_call(plan: CallPlan, on_event: EventSink | None = None, timeout: float | None = None) -> CallResult:
    """Place one call as the test caller and wait until it ends.

    Raises:
        SipAgentError: the agent crashed or timed out without a summary.
    """
    limit = timeout if timeout is not None else plan.hangup_after + 20.0
    events: list[dict[str, Any]] = []
    with subprocess.Popen(
        _command(plan.to_argv()), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        timer = threading.Timer(limit, proc.kill)  # a hung pjsip must not hang the test run
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                event = _parse(line)
                if event is not None:
                    events.append(event)
                    if on_event is not None:
                        on_event(event)
            stderr = proc.stderr.read() if proc.stderr is not None else ""
            code = proc.wait()
        finally:
            timer.cancel()
    summary = next((event for event in reversed(events) if event["event"] == "summary"), None)
    if summary is None:
        raise SipAgentError(f"SIP agent exited with {code} and no summary; stderr:\n{stderr[-2000:]}")
    return CallResult.from_summary(summary, events, code)


class SoftphoneHandle:
    """A running softphone process; ``stop()`` ends it and returns what it saw."""

    def __init__(self, plan: SoftphonePlan, on_event: EventSink | None = None) -> None:
        self.plan = plan
        self.events: list[dict[str, Any]] = []
        self._on_event = on_event
        self._registered = threading.Event()
        env = {**os.environ, PASSWORD_ENV: plan.password}  # not on argv, where `ps` would show it
        self._proc = subprocess.Popen(
            _command(plan.to_argv()), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self._reader = threading.Thread(target=self._read, name="softphone-stdout", daemon=True)
        self._reader.start()
        # stderr is drained too: a pipe nobody reads fills up and stalls the softphone mid-call.
        self.stderr_tail: deque[str] = deque(maxlen=50)
        self._stderr_reader = threading.Thread(
            target=self._drain_stderr, name="softphone-stderr", daemon=True
        )
        self._stderr_reader.start()

    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self.stderr_tail.append(line)

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            event = _parse(line)
            if event is None:
                continue
            self.events.append(event)
            if event["event"] == "registration" and event.get("code") == 200:
                self._registered.set()
            if self._on_event is not None:
                self._on_event(event)

    @property
    def running(self) -> bool:
        """True while the softphone process is alive."""
        return self._proc.poll() is None

    def wait_registered(self, timeout: float = 5.0) -> bool:
        """True once Asterisk accepted the REGISTER (digest auth passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._registered.wait(0.05):
                return True
            if self._proc.poll() is not None:
                break
        return self._registered.is_set()

    def stop(self, timeout: float = 5.0) -> SoftphoneResult:
        """SIGTERM the softphone (it un-registers and hangs up) and collect its summary."""
        if self._proc.poll() is None:
            self._proc.terminate()
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            code = self._proc.wait()
        self._reader.join(timeout)
        self._stderr_reader.join(timeout)
        summary: dict[str, Any] = next((e for e in reversed(self.events) if e["event"] == "summary"), {})
        return SoftphoneResult(
            registered=bool(summary.get("registered", self._registered.is_set())),
            calls_answered=int(summary.get("calls_answered", 0)),
            dtmf_received=str(summary.get("dtmf_received", "")),
            exit_code=code,
            events=tuple(self.events),
        )

    def __enter__(self) -> SoftphoneHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_softphone(
    plan: SoftphonePlan, on_event: EventSink | None = None, wait_registered: float = 5.0
) -> SoftphoneHandle:
    """Start an agent softphone and wait (up to ``wait_registered`` s) for its registration.

    Raises:
        SipAgentError: the softphone did not register in time (wrong credentials, no Asterisk).
    """
    handle = SoftphoneHandle(plan, on_event)
    if wait_registered and not handle.wait_registered(wait_registered):
        result = handle.stop()
        codes = [e.get("code") for e in result.events if e["event"] == "registration"]
        raise SipAgentError(f"softphone {plan.username} did not register (answers: {codes or 'none'})")
    return handle
