"""Live QA in the media worker, composed: a :class:`LiveQa` whose sinks (one per leg) run the
compliance rules and agent assist on each call's transcript, with the rules from the data dir and
the knowledge base from the database (both reloaded when they change; ``qa`` may not import
``tickets``, so the two meet here). The sentence encoder loads in a background thread at start, so
the first call does not wait for it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.jobs import create_celery
from config.settings import Settings
from qa.assist.ranker import KbRanker
from qa.assist.session import AssistSession
from qa.compliance.engine import ComplianceMonitor
from qa.compliance.model import Utterance
from qa.compliance.store import current_engine
from qa.encoder import warm_up
from qa.live.calls import LiveQa
from qa.live.outlet import BusOutlet
from tickets.kb.corpus import ranker_for

log = logging.getLogger(__name__)


class LiveEngines:
    """:class:`qa.live.ports.QaEngines` over the admin's rule file and the published articles."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings, self._sessions = settings, sessions

    def monitor(self, *, queue: str | None = None) -> ComplianceMonitor:
        return current_engine(self._settings).monitor(channel="voice", queue=queue)

    def assist(self) -> AssistSession | None:
        ranker = ranker_for(self._sessions)
        return AssistSession(ranker) if len(ranker) else None


def published_kb(settings: Settings) -> KbRanker:
    """The published knowledge base's ranker (``voxdesk analyze`` without ``--kb``)."""
    return ranker_for(make_session_factory(make_engine(settings.effective_database_url)))


def live_qa(settings: Settings, redis_url: str) -> LiveQa:
    """Live QA for a media worker: events on the call's channel, alerts stored by the Celery job."""
    sessions = make_session_factory(make_engine(settings.effective_database_url))
    outlet = BusOutlet(Notifier.from_url(redis_url), create_celery(redis_url))
    engines = LiveEngines(settings, sessions)
    threading.Thread(target=_warm_up, args=(engines,), name="qa-warm-up", daemon=True).start()
    return LiveQa(engines, outlet).start()


def _warm_up(engines: LiveEngines) -> None:
    """Load the encoder, the rules, the knowledge base's vectors and the intents, and run each once,
    before the first call needs them (its first utterance would otherwise wait for them)."""
    try:
        warm_up()
        engines.monitor().hear(Utterance("agent", "hello, how can I help you today", 0.0, 1.0))
        session = engines.assist()
        if session is not None:
            session.hear("caller", "I have a question about my order", at=0.0)
    except Exception:  # calls still get QA; the first one loads what failed here
        log.exception("warming live QA up failed")
