"""Surveys are created by the system for the agent who handled the contact; customers answer with
the random token of their link, and scores are reported per agent.

No console user creates or answers a survey: the desk offers one when a ticket is solved and call
control when a call ends (:mod:`tickets.csat.offers`). The token in the customer's link is random
per survey and stored only as its SHA-256, so neither the database nor an agent reading it can
answer in the customer's place.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import errors
from config.errors import VoxdeskError
from config.models import User
from qa.pci import redact_text
from tickets.conversations.services import get_conversation
from tickets.csat.models import CsatSurvey
from tickets.desk.models import Ticket

SURVEY_TOKEN_TTL = timedelta(days=14)
VIA = ("chat", "email", "sms", "ivr")
MAX_DB_ID = 2**31 - 1


class CsatError(VoxdeskError):
    """Base of survey errors."""


class InvalidSurveyInputError(CsatError, errors.InvalidInputError):
    """A score out of range, an unknown way to send the survey, or an id that cannot exist."""


class SurveyTokenError(CsatError, errors.UnauthorizedError):
    """The link's token is unknown or expired: only the customer's own link answers a survey."""


class SurveyAnsweredError(CsatError, errors.ConflictError):
    """Each survey is answered once."""


def _valid_id(value: int | None, what: str) -> None:
    if value is not None and not 1 <= value <= MAX_DB_ID:
        raise InvalidSurveyInputError(f"{what} must be between 1 and {MAX_DB_ID}")


def create_survey(
    session: Session,
    conversation_id: int,
    via: str,
    agent_id: int | None = None,
    ticket_id: int | None = None,
) -> CsatSurvey:
    """The system's survey of ``conversation_id`` for the agent who handled it (never a user's request)."""
    if via not in VIA:
        raise InvalidSurveyInputError(f"via must be one of {', '.join(VIA)}")
    _valid_id(ticket_id, "ticket_id")
    _valid_id(agent_id, "agent_id")
    if agent_id is not None and session.get(User, agent_id) is None:
        raise InvalidSurveyInputError(f"no user {agent_id} to credit the survey to")
    conversation = get_conversation(session, conversation_id)
    # Checked here, not left to the foreign keys: a violated key would be a 500, not the caller's 422.
    if ticket_id is not None and session.get(Ticket, ticket_id) is None:
        raise InvalidSurveyInputError(f"no ticket with id {ticket_id}")
    survey = CsatSurvey(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        agent_id=agent_id,
        ticket_id=ticket_id,
        via=via,
    )
    session.add(survey)
    session.commit()
    return survey


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_survey_token(session: Session, survey: CsatSurvey) -> str:
    """A new random token for the customer's link (the last one issued is the one that works)."""
    token = secrets.token_urlsafe(32)
    survey.token_hash = _digest(token)
    session.flush()
    return token


def survey_from_token(session: Session, token: str) -> CsatSurvey:
    """The survey whose link carries ``token``; refused when unknown or older than the link's life."""
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.token_hash == _digest(token)))
    if survey is None:
        raise SurveyTokenError("this survey link is not valid")
    sent_at = survey.sent_at if survey.sent_at.tzinfo else survey.sent_at.replace(tzinfo=UTC)
    if datetime.now(UTC) - sent_at > SURVEY_TOKEN_TTL:
        raise SurveyTokenError("this survey link has expired")
    return survey


def answer_survey(session: Session, survey: CsatSurvey, score: int, comment: str = "") -> CsatSurvey:
    if not 1 <= score <= 5:
        raise InvalidSurveyInputError("score must be between 1 and 5")
    if survey.answered_at is not None:
        raise SurveyAnsweredError("this survey was already answered")
    survey.score, survey.comment, survey.answered_at = score, redact_text(comment)[:2000], datetime.now(UTC)
    session.commit()
    return survey


def agent_scores(session: Session) -> list[tuple[int | None, int, float]]:
    """(agent id, answered surveys, average score) for every agent with answers."""
    rows = session.execute(
        select(CsatSurvey.agent_id, func.count(CsatSurvey.id), func.avg(CsatSurvey.score))
        .where(CsatSurvey.score.is_not(None))
        .group_by(CsatSurvey.agent_id)
    ).all()
    return [(agent, int(count), round(float(avg), 2)) for agent, count, avg in rows]
