"""``voxdesk qa score CALL_ID``: score (or score again) one finished call now, as the worker would.

Lives in the composition root because the facts of a call scored before come from telephony's call
record (qa may not import telephony). Prints the scorecard as one JSON line.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from config.db import make_engine, make_session_factory
from config.errors import VoxdeskError
from config.models import Role
from config.settings import load_settings
from qa.scorecards.access import Viewer
from qa.scorecards.schemas import CallFacts
from qa.scorecards.services import scorecard_for_call, stored_facts
from qa.scorecards.tasks import compliance_check, score
from telephony.records.models import CallRecord
from telephony.records.queries import get_record

SYSTEM = Viewer(0, Role.ADMIN)


def facts_from_record(record: CallRecord) -> CallFacts | None:
    """The scorecard facts of a recorded call (None when no agent answered it)."""
    if not record.agent_id or record.answered_at is None:
        return None
    answered = record.answered_at.timestamp()
    return CallFacts(
        call_id=record.call_id,
        agent_id=record.agent_id,
        queue_id=record.queue_id,
        offered_at=record.offered_at.timestamp(),
        answered_at=answered,
        ended_at=answered + record.talk_s + record.hold_s,  # talk excludes hold; wrap-up is not the call
        hold_s=record.hold_s,
    )


def facts_for(session: Session, call_id: str) -> CallFacts | None:
    """The facts the call was last scored from, else those of its call record."""
    known = stored_facts(session, call_id)
    if known is not None:
        return known
    record = get_record(session, call_id)
    return facts_from_record(record) if record is not None else None


def score_call_command(
    call_id: Annotated[str, typer.Argument(help="The call id (as in call records)")],
) -> None:
    """Score a finished call from its stored transcript now (a reviewed scorecard stays as it is)."""
    try:
        settings = load_settings()
        factory = make_session_factory(make_engine(settings.effective_database_url))
        with factory() as session:
            facts = facts_for(session, call_id[:64])
        if facts is None:
            typer.secho(f"no answered call {call_id[:64]!r} to score", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        outcome = score(factory, facts, compliance_check(settings))
        with factory() as session:
            card = scorecard_for_call(session, SYSTEM, facts.call_id)
    except VoxdeskError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if not outcome.scored:
        typer.secho("reviewed already: left as it is", err=True)
    typer.echo(card.model_dump_json())
