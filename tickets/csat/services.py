"""Send a survey, take its answer (by signed link, chat or IVR digit), report scores per agent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import errors
from config.errors import VoxdeskError
from config.models import User
from tickets.channels.signing import read_token, sign_token
from tickets.conversations.models import Channel
from tickets.conversations.services import find_by_external_ref, get_conversation
from tickets.csat.models import CsatSurvey
from tickets.desk.models import Ticket

SURVEY_TOKEN_PURPOSE = "csat-survey"  # noqa: S105 - a label, not a secret
SURVEY_TOKEN_TTL = 14 * 24 * 3600
VIA = ("chat", "email", "sms", "ivr")


class CsatError(VoxdeskError):
    """Base of survey errors."""


class InvalidSurveyInputError(CsatError, errors.InvalidInputError):
    """A score or digit out of range, or an unknown way to send the survey."""


class SurveyNotFoundError(CsatError, errors.NotFoundError):
    """The survey (or the call's conversation) does not exist."""


class SurveyAnsweredError(CsatError, errors.ConflictError):
    """Each survey is answered once."""


def create_survey(
    session: Session,
    conversation_id: int,
    via: str,
    agent_id: int | None = None,
    ticket_id: int | None = None,
) -> CsatSurvey:
    if via not in VIA:
        raise InvalidSurveyInputError(f"via must be one of {', '.join(VIA)}")
    conversation = get_conversation(session, conversation_id)
    # Checked here, not left to the foreign keys: a violated key would be a 500, not the caller's 422.
    if agent_id is not None and session.get(User, agent_id) is None:
        raise InvalidSurveyInputError(f"no user with id {agent_id}")
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


def survey_token(secret: str, survey: CsatSurvey) -> str:
    """The signed token in an e-mail/SMS survey link; it names one survey and expires."""
    return sign_token(secret, SURVEY_TOKEN_PURPOSE, str(survey.id), SURVEY_TOKEN_TTL)


def survey_from_token(session: Session, secret: str, token: str) -> CsatSurvey:
    survey = session.get(CsatSurvey, int(read_token(secret, SURVEY_TOKEN_PURPOSE, token)))
    if survey is None:
        raise SurveyNotFoundError("this survey no longer exists")
    return survey


def answer_survey(session: Session, survey: CsatSurvey, score: int, comment: str = "") -> CsatSurvey:
    if not 1 <= score <= 5:
        raise InvalidSurveyInputError("score must be between 1 and 5")
    if survey.answered_at is not None:
        raise SurveyAnsweredError("this survey was already answered")
    survey.score, survey.comment, survey.answered_at = score, comment[:2000], datetime.now(UTC)
    session.commit()
    return survey


def record_ivr_answer(session: Session, call_id: str, digit: str, agent_id: int | None = None) -> CsatSurvey:
    """The post-call IVR question: the caller pressed 1-5 after the agent hung up."""
    if len(digit) != 1 or digit not in "12345":
        raise InvalidSurveyInputError("press a digit from 1 to 5")
    conversation = find_by_external_ref(session, Channel.VOICE, call_id)
    if conversation is None:
        raise SurveyNotFoundError(f"no conversation for call {call_id}")
    survey = session.scalar(
        select(CsatSurvey).where(CsatSurvey.conversation_id == conversation.id, CsatSurvey.via == "ivr")
    ) or create_survey(session, conversation.id, "ivr", agent_id=agent_id)
    return answer_survey(session, survey, int(digit))


def agent_scores(session: Session) -> list[tuple[int | None, int, float]]:
    """(agent id, answered surveys, average score) for every agent with answers."""
    rows = session.execute(
        select(CsatSurvey.agent_id, func.count(CsatSurvey.id), func.avg(CsatSurvey.score))
        .where(CsatSurvey.score.is_not(None))
        .group_by(CsatSurvey.agent_id)
    ).all()
    return [(agent, int(count), round(float(avg), 2)) for agent, count, avg in rows]
