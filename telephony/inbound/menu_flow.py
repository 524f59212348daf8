"""A minimal menu flow (welcome prompt, one DTMF menu, retries, default queue) from YAML.

Interim implementation of :class:`IvrFlowSource` until ``telephony/ivr`` is wired in. Errors name
the node: ``menu.options.3: queue 'x' does not exist``. A failed reload keeps the flow in use.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from config.errors import VoxdeskError
from telephony.inbound.ivr_port import CollectDtmf, IvrAction, Play, RouteToQueue

log = logging.getLogger(__name__)


class FlowError(VoxdeskError):
    """The flow file is refused; the message names the node."""


class MenuOption(BaseModel):
    queue: str
    priority: int = 0
    skills: dict[str, int] = Field(default_factory=dict)


class Menu(BaseModel):
    prompt: str
    options: dict[str, MenuOption]
    timeout_s: float = Field(default=5.0, gt=0)
    retries: int = Field(default=2, ge=0)
    invalid_prompt: str = "sound:option-is-invalid"


class MenuFlowModel(BaseModel):
    name: str
    welcome: str | None = None
    menu: Menu
    fallback_queue: str


def parse_flow(text: str, known_queues: Collection[str]) -> MenuFlowModel:
    """Validate a flow; raises FlowError naming the node at fault."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FlowError(f"IVR flow is not valid YAML: {exc}") from exc
    try:
        flow = MenuFlowModel.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(flow)'}: {err['msg']}" for err in exc.errors()
        ]
        raise FlowError("IVR flow is invalid:\n  " + "\n  ".join(problems)) from None
    problems = []
    for digit, option in flow.menu.options.items():
        if digit not in "0123456789*#" or len(digit) != 1:
            problems.append(f"menu.options.{digit}: not a single DTMF digit")
        if option.queue not in known_queues:
            problems.append(f"menu.options.{digit}: queue {option.queue!r} does not exist")
    if flow.fallback_queue not in known_queues:
        problems.append(f"fallback_queue: queue {flow.fallback_queue!r} does not exist")
    if problems:
        raise FlowError("IVR flow is invalid:\n  " + "\n  ".join(problems))
    return flow


class MenuSession:
    """Welcome -> menu prompt with barge-in -> digit -> queue; silence or bad digits retry, then fallback."""

    def __init__(self, flow: MenuFlowModel) -> None:
        self._flow = flow
        self._attempts = 0
        self._token = 0
        self.path: list[str] = []

    def start(self) -> Sequence[IvrAction]:
        actions: list[IvrAction] = []
        if self._flow.welcome:
            self.path.append("welcome")
            actions.append(Play(self._flow.welcome, "welcome"))
        return [*actions, *self._ask()]

    def _ask(self, before: Sequence[IvrAction] = ()) -> list[IvrAction]:
        self.path.append("menu")
        self._token += 1
        menu = self._flow.menu
        return [*before, Play(menu.prompt, "menu"), CollectDtmf(1, menu.timeout_s, self._token)]

    def _retry_or_fallback(self, before: Sequence[IvrAction]) -> list[IvrAction]:
        self._attempts += 1
        if self._attempts > self._flow.menu.retries:
            self.path.append("fallback")
            return [RouteToQueue(self._flow.fallback_queue, choice="fallback")]
        return self._ask(before)

    def on_dtmf(self, digit: str) -> Sequence[IvrAction]:
        option = self._flow.menu.options.get(digit)
        if option is None:
            return self._retry_or_fallback([Play(self._flow.menu.invalid_prompt, "invalid")])
        self.path.append(f"menu:{digit}")
        self._token += 1  # any pending timeout is now stale
        return [RouteToQueue(option.queue, option.priority, dict(option.skills), digit)]

    def on_playback_finished(self, ref: str) -> Sequence[IvrAction]:
        return []

    def on_timeout(self, token: int) -> Sequence[IvrAction]:
        if token != self._token:
            return []
        return self._retry_or_fallback([])


class MenuFlowSource:
    """Loads the flow file; :meth:`reload` refuses a broken file and keeps the running flow."""

    def __init__(self, path: Path, known_queues: Collection[str]) -> None:
        self.path = path
        self._known = set(known_queues)
        self.flow = parse_flow(path.read_text(encoding="utf-8"), self._known)

    def reload(self, text: str | None = None) -> MenuFlowModel:
        """Validate ``text`` (or the file) and switch to it; on error the old flow stays."""
        new_text = text if text is not None else self.path.read_text(encoding="utf-8")
        self.flow = parse_flow(new_text, self._known)
        if text is not None:
            self.path.write_text(text, encoding="utf-8")
        return self.flow

    def new_session(self, caller_number: str) -> MenuSession:
        return MenuSession(self.flow)
