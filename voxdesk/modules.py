"""The explicit lists of feature modules each process loads: tables, background jobs, events.

One place to register a feature's parts. Loading is loud: a module that fails to import stops the
process with its traceback, instead of a command, a job or an event type silently going missing.
"""

from __future__ import annotations

import importlib

# Modules that declare tables on config.db.Base (Alembic's autogenerate needs all of them).
MODEL_MODULES: tuple[str, ...] = (
    "config.models",
    "asr.transcripts.models",
    "telephony.records.models",
    "telephony.agent_profiles.models",
    "tickets.customers.models",
    "tickets.conversations.models",
    "tickets.conversations.call_links",
    "tickets.connectors.models",
    "tickets.csat.models",
    "tickets.desk.models",
    "tickets.progress.models",
    "tickets.sla.models",
    "tickets.kb.models",
    "tickets.webhooks.models",
    "qa.alerts.models",
    "qa.scorecards.models",
)

# Modules whose Celery tasks the worker registers (jobs are sent by name, so senders import none).
TASK_MODULES: tuple[str, ...] = (
    "config.tasks",
    "asr.transcripts.tasks",
    "tickets.sla.tasks",
    "tickets.webhooks.tasks",
    "tickets.csat.tasks",
    "tickets.progress.tasks",
    "telephony.recording.tasks",
    "tickets.conversations.call_tasks",
    "qa.alerts.tasks",
    "qa.scorecards.tasks",
    "web.analytics.tasks",
)


def import_all(names: tuple[str, ...]) -> None:
    """Import each module; an ImportError propagates so a broken feature fails at start-up."""
    for name in names:
        importlib.import_module(name)


def import_models() -> None:
    """Make Base.metadata complete (autogenerate, and processes that join across features)."""
    import_all(MODEL_MODULES)
