"""Every analytics figure on SQLite (the rollups inline) against the hand-computed week."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from analytics_dataset import (
    BILLING_HEATMAP_CELLS,
    EXPECTED_TRAINING,
    FAQ_WEEK_BOT_CHANNELS,
    FAQ_WEEK_FAQ,
    FAQ_WEEK_TEMPLATE_STAGES,
    TRAINING_CALLS,
    VOICE_CONTACTS,
    check_report,
    seed,
)
from sqlalchemy import Engine

from config.db import Base, make_engine, make_session_factory
from config.models import Role
from tickets.access import Scope
from voxdesk.modules import import_models
from web.analytics.drill import drill
from web.analytics.kpis import Period, Rollups, heatmap, report
from web.analytics.stages import template_stages
from web.analytics.training import training_needs

ADMIN = Scope(user_id=1, role=Role.ADMIN)
WEEK = Period(date(2026, 11, 2), date(2026, 11, 8))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    import_models()
    engine = make_engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        seed(session)
        session.commit()
    yield engine
    engine.dispose()


def test_every_figure_of_the_week_matches_the_hand_computed_one(engine: Engine) -> None:
    with engine.connect() as connection:
        figures = report(connection, WEEK)
    assert figures["from_rollups"] is False
    check_report(figures)


def test_the_heatmap_narrows_to_one_reason_or_one_channel(engine: Engine) -> None:
    with engine.connect() as connection:
        billing = heatmap(Rollups(connection), WEEK, reason="billing")
        voice = heatmap(Rollups(connection), WEEK, channel="voice")
    cells = {(day + 1, hour): n for day, row in enumerate(billing) for hour, n in enumerate(row) if n}
    assert cells == BILLING_HEATMAP_CELLS
    assert sum(map(sum, voice)) == VOICE_CONTACTS


def test_training_needs_name_agents_under_the_bar_and_drill_down_to_their_calls(
    engine: Engine,
) -> None:
    with make_session_factory(engine)() as session:
        needs = training_needs(session, WEEK)
        strict = training_needs(session, WEEK, bar=0.4, max_hits=1)
    assert [{key: need[key] for key in EXPECTED_TRAINING[0]} for need in needs] == EXPECTED_TRAINING
    with engine.connect() as connection:
        for (metric, key), calls in TRAINING_CALLS.items():
            assert [row["call_id"] for row in drill(connection, ADMIN, WEEK, metric, key)] == calls
    assert [(need["agent_id"], need["need"]) for need in strict] == [
        ("agent1", "item:disclosure"),
        ("agent2", "item:greeting"),
    ]


def test_the_faq_bot_deflection_and_accuracy_of_the_ivr_and_the_chats(engine: Engine) -> None:
    with engine.connect() as connection:
        figures = report(connection, Period(date(2026, 11, 16), date(2026, 11, 22)))
    assert figures["calls"]["faq"] == FAQ_WEEK_FAQ
    assert figures["faq_bot_by_channel"] == FAQ_WEEK_BOT_CHANNELS


def test_a_templates_tickets_convert_along_its_stages(engine: Engine) -> None:
    with engine.connect() as connection:
        (flow,) = template_stages(connection, Period(date(2026, 11, 16), date(2026, 11, 22)))
        assert template_stages(connection, WEEK) == []
    assert (flow["name"], flow["tickets"], flow["solved"]) == ("Refund flow", 3, 0)
    assert flow["stages"] == FAQ_WEEK_TEMPLATE_STAGES
