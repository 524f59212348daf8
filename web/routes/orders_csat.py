"""Order lookup and CSV import; CSAT answers (by the customer's link) and scores per agent."""

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


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=10, max_length=512, description="the token from the customer's link")
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class AgentScore(BaseModel):
    agent_id: int | None
    answered: int
    average: float


@router.post("/api/csat/answers")
def answer_survey(body: SurveyAnswer, session: SessionDep) -> dict[str, int]:
    """Public, but only with the token from the customer's survey link; each survey is answered once.

    Surveys are never created through the API: the system offers one when a ticket is solved or a
    call ends, credited to the agent who handled it, and sends its link to the customer.
    """
    survey = csat.survey_from_token(session, body.token)
    csat.answer_survey(session, survey, body.score, body.comment)
    return {"survey_id": survey.id}


@router.get("/api/csat/agents", dependencies=[LEADS])
def agent_scores(session: SessionDep) -> list[AgentScore]:
    return [AgentScore(agent_id=a, answered=n, average=avg) for a, n, avg in csat.agent_scores(session)]
