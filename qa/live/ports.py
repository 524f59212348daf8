"""What a live call's QA needs from the compliance and assist engines, and where its results go.

Small protocols, so :class:`~qa.live.session.CallQa` runs on fakes in unit tests and on the real
engines (built by the composition root, which may read the knowledge base from ``tickets``) in the
media worker and in ``voxdesk analyze``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from config.events import Event
from qa.compliance.model import Finding, Utterance


class Monitor(Protocol):
    """One call's compliance state (:class:`qa.compliance.engine.ComplianceMonitor`)."""

    def hear(self, utterance: Utterance) -> list[Finding]: ...

    def due(self, now: float) -> list[Finding]: ...

    def finish(self, end: float) -> list[Finding]: ...


class SuggestionLike(Protocol):
    """A ranked knowledge-base answer (:class:`qa.assist.ranker.Suggestion`)."""

    @property
    def article_key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def snippet(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def rank(self) -> int: ...
    @property
    def score(self) -> float: ...


class ActionLike(Protocol):
    """A suggested action from the caller's intent (:class:`qa.assist.actions.SuggestedAction`)."""

    @property
    def intent(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def action(self) -> str: ...


class AssistUpdateLike(Protocol):
    """What the agent is shown after a turn (:class:`qa.assist.session.AssistUpdate`)."""

    @property
    def language(self) -> str: ...
    @property
    def actions(self) -> Sequence[ActionLike]: ...


class Assist(Protocol):
    """One call's assist state (:class:`qa.assist.session.AssistSession`): ``hear`` gives the new top
    suggestions, None when unchanged; ``latest`` what they came with (language, actions)."""

    def hear(
        self, speaker: str, text: str, *, at: float | None = None
    ) -> Sequence[SuggestionLike] | None: ...

    @property
    def latest(self) -> AssistUpdateLike | None: ...


class QaEngines(Protocol):
    """Builds one call's QA state from the rules and knowledge base in force when the call starts."""

    def monitor(self, *, queue: str | None = None) -> Monitor: ...

    def assist(self) -> Assist | None: ...


class QaOutlet(Protocol):
    """Where results go: live events (the notifier) and stored alerts (the Celery job)."""

    def publish(self, event: Event) -> None: ...

    def store(self, findings: Sequence[Finding], *, call_id: str, agent: str | None) -> None: ...
