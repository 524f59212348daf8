"""Order lookup and CSV import, and CSAT surveys (create, answer by signed link, post-call IVR)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from config.errors import MalformedRequestError, NotFoundError
from config.models import Role
from tickets import access
from tickets.connectors.csv_import import import_orders_csv
from tickets.connectors.lookup import OrderInfo, TableOrderLookup
from tickets.csat import services as csat
from web.access import ScopeDep
from web.auth import require_roles
from web.deps import SessionDep, SettingsDep
from web.ids import BodyId
from web.routes.ticket_support import read_limited_body

router = APIRouter(tags=["orders", "csat"])
AGENTS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
SUPERVISORS = require_roles(Role.SUPERVISOR)
LEADS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)
MAX_CSV_BYTES = 20 * 1024 * 1024


@router.get("/api/orders/{order_number}", dependencies=[AGENTS])
def find_order(order_number: str, session: SessionDep, scope: ScopeDep) -> OrderInfo:
    """Where is my order: status, carrier, tracking number and expected delivery (not found when it
    is the order of a customer the user may not see)."""
    found = access.visible_order(session, scope, TableOrderLookup(session).find_order(order_number[:64]))
    if found is None:
        raise NotFoundError(f"no order {order_number[:64]!r}")
    return found


class ImportResult(BaseModel):
    imported: int
    updated: int
    errors: list[str]


@router.post("/api/orders/import", dependencies=[SUPERVISORS])
async def import_orders(request: Request, session: SessionDep, settings: SettingsDep) -> ImportResult:
    """CSV body (columns order_number, status, email, phone, carrier, tracking_number, estimated_delivery).
    Any bad row answers 422 with every bad line, and nothing is stored."""
    raw = await read_limited_body(request, MAX_CSV_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedRequestError(f"CSV must be UTF-8: {exc}") from exc
    report = await run_in_threadpool(import_orders_csv, session, text, settings.customers.default_region)
    result = ImportResult(imported=report.imported, updated=report.updated, errors=report.errors[:500])
    if report.errors:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, result.model_dump())
    return result


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: BodyId
    via: str = Field(pattern="^(chat|email|sms|ivr)$")
    agent_id: BodyId | None = None
    ticket_id: BodyId | None = None


class SurveyPublic(BaseModel):
    survey_id: int
    link: str


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=10, max_length=512)
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class IvrAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: str = Field(min_length=1, max_length=255)
    digit: str = Field(min_length=1, max_length=1)
    agent_id: int | None = None


class AgentScore(BaseModel):
    agent_id: int | None
    answered: int
    average: float


@router.post("/api/csat/surveys", dependencies=[AGENTS], status_code=201)
def create_survey(
    body: SurveyCreate, request: Request, session: SessionDep, settings: SettingsDep, scope: ScopeDep
) -> SurveyPublic:
    """Start a survey after a solved ticket or an ended call; the link goes out by e-mail, SMS or chat.
    Only on a conversation the user may act on (:mod:`tickets.access`)."""
    access.conversation_for(session, scope, body.conversation_id, write=True)
    survey = csat.create_survey(session, body.conversation_id, body.via, body.agent_id, body.ticket_id)
    token = csat.survey_token(request.app.state.secret_key, survey)
    return SurveyPublic(survey_id=survey.id, link=f"{settings.channels.public_base_url}/csat?token={token}")


@router.post("/api/csat/answers")
def answer_survey(body: SurveyAnswer, request: Request, session: SessionDep) -> dict[str, int]:
    """Public, but only with the signed token from the survey link; each survey is answered once."""
    survey = csat.survey_from_token(session, request.app.state.secret_key, body.token)
    csat.answer_survey(session, survey, body.score, body.comment)
    return {"survey_id": survey.id}


@router.post("/api/csat/ivr", dependencies=[SUPERVISORS])
def ivr_answer(body: IvrAnswer, session: SessionDep) -> dict[str, int]:
    """The post-call IVR question (a service token: telephony runs as admin or supervisor)."""
    survey = csat.record_ivr_answer(session, body.call_id, body.digit, body.agent_id)
    return {"survey_id": survey.id, "score": survey.score or 0}


@router.get("/api/csat/agents", dependencies=[LEADS])
def agent_scores(session: SessionDep) -> list[AgentScore]:
    return [AgentScore(agent_id=a, answered=n, average=avg) for a, n, avg in csat.agent_scores(session)]
