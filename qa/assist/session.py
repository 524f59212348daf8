"""Agent assist for one call or conversation: suggestions refreshed as the customer talks.

The query is the customer's latest few turns within a short window (a caller's question often
spans two recogniser segments: "hi, I've got a problem" then "my card was stolen"), so the
suggestions follow the conversation instead of its first sentence. Agent turns are not queries:
the agent's own words would pull the suggestions towards what they already know. Fillers ("yes",
"ok", "嗯") carry no topic and leave the suggestions alone.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from qa.assist.actions import IntentDetector, SuggestedAction, default_detector
from qa.assist.ranker import KbRanker, Suggestion
from qa.assist.text import tokens
from qa.language import detect_language

CUSTOMER_SPEAKERS = frozenset({"caller", "customer", "contact"})
WINDOW_S = 30.0
MAX_TURNS = 3
TOP_K = 3


@dataclass(frozen=True)
class AssistUpdate:
    """What the agent is shown: the query it came from, its language, articles and actions."""

    query: str
    language: str
    suggestions: tuple[Suggestion, ...]
    actions: tuple[SuggestedAction, ...]


def has_topic(text: str) -> bool:
    """False for fillers and greetings that would only dilute the query."""
    return bool(tokens(text))


def assist(
    ranker: KbRanker, turns: Iterable[str], *, detector: IntentDetector | None = None, k: int = TOP_K
) -> AssistUpdate | None:
    """Suggestions and actions for the customer's latest turns (oldest first); None without a topic."""
    texts = [t.strip() for t in turns if t.strip() and has_topic(t)]
    if not texts:
        return None
    query = " ".join(texts)
    language = detect_language(query)
    # The newest turn names the latest request; when it alone shows no intent ("someone stole it")
    # the window around it does ("a problem with my card" + "someone stole it").
    detect = (detector or default_detector()).actions
    actions = detect(texts[-1]) or detect(query)
    return AssistUpdate(
        query=query,
        language=language,
        suggestions=tuple(ranker.suggest(query, language=language, k=k)),
        actions=tuple(actions),
    )


class AssistSession:
    """One per call or conversation; thread-safe (segments of both legs may arrive concurrently)."""

    def __init__(
        self,
        ranker: KbRanker,
        *,
        detector: IntentDetector | None = None,
        window_s: float = WINDOW_S,
        max_turns: int = MAX_TURNS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ranker = ranker
        self._detector = detector
        self._window_s = window_s
        self._turns: deque[tuple[float, str]] = deque(maxlen=max_turns)
        self._clock = clock
        self._lock = threading.Lock()
        self.latest: AssistUpdate | None = None

    def hear(self, speaker: str, text: str, *, at: float | None = None) -> list[Suggestion] | None:
        """New top suggestions after this turn, or None when they (and the actions) did not change.

        ``at`` is the turn's time in seconds (the segment's end on a call); the clock otherwise.
        """
        if speaker not in CUSTOMER_SPEAKERS or not has_topic(text):
            return None
        now = self._clock() if at is None else at
        with self._lock:
            self._turns.append((now, text))
            recent = [t for when, t in self._turns if now - when <= self._window_s]
            update = assist(self.ranker, recent, detector=self._detector)
            if update is None or (self.latest is not None and _same(update, self.latest)):
                return None
            self.latest = update
            return list(update.suggestions)


def _same(a: AssistUpdate, b: AssistUpdate) -> bool:
    return [s.article_key for s in a.suggestions] == [s.article_key for s in b.suggestions] and [
        x.intent for x in a.actions
    ] == [x.intent for x in b.actions]
