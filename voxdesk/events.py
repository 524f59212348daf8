"""The modules that declare event classes: every process imports all of them at start.

A process then parses any event it may receive, whatever it happened to import before (the web
process once died on ``call.state_changed`` because nothing there imported the call notifier).
Relays do not depend on this list: they forward envelopes by type; it matters where code reads typed
fields (histories, tests, consumers).
"""

from __future__ import annotations

import importlib

# Each module registers its classes with config.events.register_event when imported.
EVENT_MODULES: tuple[str, ...] = (
    "config.events",
    "telephony.calls.notifier",
    "telephony.agents.notifier",
    "asr.events",
    "qa.events",
    "tickets.desk.events",
    "tickets.conversations.events",
    "tickets.customers.events",
    "tickets.kb.events",
    "qa.assist.events",
)


def import_event_modules() -> None:
    """Import every event module; an ImportError propagates so a broken feature stops the process."""
    for name in EVENT_MODULES:
        importlib.import_module(name)
