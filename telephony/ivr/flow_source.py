"""The IVR flow in use for new calls, checked against the routing queues, with its prompts pre-rendered.

Wraps :class:`telephony.ivr.FlowSource` (the file is hot-reloaded when the API replaces it). A flow
whose nodes name a queue that routing does not know is refused like any other broken flow, naming the
node; the running flow stays in use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from pathlib import Path

from telephony.ivr import Flow, FlowProblem, FlowSource, FlowStore, IvrFlowError, IvrSession
from telephony.ivr.nodes import CallbackNode, RouteQueueNode
from telephony.ivr.prompts import PromptRenderer, render_flow_prompts

log = logging.getLogger(__name__)


def check_queues(flow: Flow, queues: Collection[str]) -> None:
    """Raise IvrFlowError naming every node that sends callers to a queue routing does not have."""
    problems = [
        FlowProblem(node_id, f"queue {node.queue!r} does not exist (known: {', '.join(sorted(queues))})")
        for node_id, node in flow.nodes.items()
        if isinstance(node, RouteQueueNode | CallbackNode) and node.queue not in queues
    ]
    if problems:
        raise IvrFlowError(flow.name, problems)


class IvrFlows:
    """Sessions of the flow in use; :meth:`reload` validates (nodes and queues) before switching."""

    def __init__(self, path: Path, queues: Collection[str], prompts: PromptRenderer) -> None:
        self._queues = set(queues)
        self._prompts = prompts
        self.source = FlowSource.for_file(path)
        check_queues(self.current, self._queues)
        self._rendered: Flow | None = None
        self._render_lock = threading.Lock()

    @property
    def store(self) -> FlowStore:
        return self.source.store

    @property
    def current(self) -> Flow:
        return self.store.current(self.source.name)

    def prerender(self) -> int:
        """Synthesise every fixed prompt of the flow in use (blocking; cached files are skipped)."""
        with self._render_lock:
            flow = self.current
            if flow is self._rendered:
                return 0
            count = len(render_flow_prompts(flow, self._prompts.cache_dir, self._prompts))
            self._rendered = flow
            return count

    def new_session(self, caller_number: str) -> IvrSession:
        session = self.source.new_session(caller_number)
        if session.flow is not self._rendered and not self._render_lock.locked():
            # Edited through the API since the last render: its new prompts are rendered in the
            # background; until then they are synthesised when first played.
            threading.Thread(target=self._prerender_quietly, daemon=True).start()
        return session

    def _prerender_quietly(self) -> None:
        try:
            self.prerender()
        except Exception:
            log.exception("pre-rendering the IVR prompts failed")

    def set_queues(self, queues: Collection[str]) -> None:
        """The routing queues changed (the caller checked the running flow against them)."""
        self._queues = set(queues)

    def reload(self, text: str | None = None) -> Flow:
        """Validate ``text`` (or the file as it is now) and make it the flow new calls get.

        Raises:
            IvrFlowError: the flow is refused (each problem names its node); the running flow stays.
        """
        name = self.source.name
        path = self.store.path_of(name)
        flow = FlowStore.validate(name, text if text is not None else path.read_text(encoding="utf-8"))
        check_queues(flow, self._queues)
        if text is not None:
            flow = self.store.replace(name, text)
        else:
            flow = self.current
        threading.Thread(target=self._prerender_quietly, daemon=True).start()
        return flow
