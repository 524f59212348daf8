"""Loading, validating and replacing IVR flows atomically.

The YAML files under a directory (``config/ivr/`` by default) are the source of truth, shared by the
API process and the call controllers. ``replace`` validates first and only then swaps the file in with
a rename, so a broken flow never reaches disk; ``current`` notices a changed file and reloads it, and if
the file on disk is broken it keeps serving the last good flow. Calls already in the IVR keep the flow
they started with (a :class:`Flow` is immutable).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from config.admin_files import write_atomically
from config.errors import NotFoundError
from telephony.ivr.exceptions import FlowProblem, IvrError, IvrFlowError
from telephony.ivr.flow import Flow, parse_flow
from telephony.ivr.session import IvrSession, utc_now

log = logging.getLogger(__name__)
FLOW_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_FLOW_BYTES = 256 * 1024
DEFAULT_FLOW_DIR = Path(__file__).resolve().parents[2] / "config" / "ivr"


class FlowNotFoundError(IvrError, NotFoundError):
    """No flow file by that name."""


@dataclass(frozen=True)
class _Loaded:
    flow: Flow
    mtime_ns: int


class FlowStore:
    """The flows of one directory, validated, cached and hot-swappable."""

    def __init__(self, directory: Path = DEFAULT_FLOW_DIR) -> None:
        self.directory = directory
        self._loaded: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def path_of(self, name: str) -> Path:
        if not FLOW_NAME.match(name):
            raise IvrFlowError(name, [FlowProblem(None, "flow names use a-z, 0-9, '_' and '-' (max 64)")])
        return self.directory / f"{name}.yaml"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.yaml") if FLOW_NAME.match(p.stem))

    @staticmethod
    def validate(name: str, text: str) -> Flow:
        """Parse and check ``text`` without storing it. Raises IvrFlowError naming each bad node."""
        if len(text.encode()) > MAX_FLOW_BYTES:
            raise IvrFlowError(name, [FlowProblem(None, f"flow is larger than {MAX_FLOW_BYTES} bytes")])
        return parse_flow(text, name)

    def current(self, name: str) -> Flow:
        """The flow to use for a new call: reloaded if its file changed, the last good one if broken.

        Raises:
            FlowNotFoundError: there is no such flow file.
            IvrFlowError: the file is broken and no good version was ever loaded.
        """
        path = self.path_of(name)
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            with self._lock:
                if name in self._loaded:
                    return self._loaded[name].flow
            raise FlowNotFoundError(f"no IVR flow named {name!r} in {self.directory}") from None
        with self._lock:
            loaded = self._loaded.get(name)
            if loaded and loaded.mtime_ns == mtime:
                return loaded.flow
            try:
                flow = self.validate(name, path.read_text(encoding="utf-8"))
            except IvrFlowError:
                if loaded is None:
                    raise
                log.error("IVR flow %s changed on disk but is invalid; keeping the running version", name)
                self._loaded[name] = _Loaded(loaded.flow, mtime)  # don't re-parse until it changes again
                return loaded.flow
            self._loaded[name] = _Loaded(flow, mtime)
            return flow

    def replace(self, name: str, text: str) -> Flow:
        """Validate ``text`` and, only if it is good, make it the flow ``name`` (file and cache).

        Raises:
            IvrFlowError: the new flow is refused; the running flow and its file are unchanged.
        """
        path = self.path_of(name)
        flow = self.validate(name, text)
        with self._lock:
            write_atomically(path, text)
            self._loaded[name] = _Loaded(flow, path.stat().st_mtime_ns)
        log.info("IVR flow %s replaced (%d nodes)", name, len(flow.nodes))
        return flow


class FlowSource:
    """Hands out a session of the flow in use for each new call (a refused edit keeps the old flow)."""

    def __init__(self, store: FlowStore, name: str = "main", clock: Callable[[], datetime] = utc_now) -> None:
        self.store, self.name, self._clock = store, name, clock
        store.current(name)  # fail at start-up, not on the first call

    @classmethod
    def for_file(cls, path: Path) -> FlowSource:
        """The flow in ``path`` (e.g. settings.telephony.ivr_flow), hot-reloaded when the file changes."""
        return cls(FlowStore(path.parent), path.stem)

    def new_session(self, caller_number: str) -> IvrSession:
        return IvrSession(self.store.current(self.name), caller_id=caller_number, clock=self._clock)
