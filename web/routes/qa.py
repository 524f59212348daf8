"""Compliance through the API: stored alerts of a call or conversation, a text check, the rules file.

- ``GET /api/qa/alerts?call_id=...`` or ``?conversation_id=...``: supervisors, QA managers and admins
  read every call's and conversation's alerts; an agent those of the calls whose transcript they may
  read and the conversations the access rule gives them (404 otherwise, as for none).
- ``POST /api/qa/check``: any console role; the forbidden rules in effect against a text.
- ``GET``/``PUT /api/admin/compliance-rules``: admins; a PUT is validated first (422 with every
  problem as "where: why") and applies to the next utterance in every process, without a restart.
- ``POST /api/admin/compliance-rules/check``: admins; what rules not saved yet (the editor's text)
  find in a sample text: the admin page's "try it" box. Nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from config.errors import InvalidInputError, NotFoundError
from config.models import Role
from qa.alerts.schemas import QaAlertPublic
from qa.alerts.services import alerts_for
from qa.compliance.engine import ComplianceEngine
from qa.compliance.exceptions import ComplianceRuleFileError
from qa.compliance.model import RuleSet, Utterance
from qa.compliance.schemas import CheckRequest, FindingPublic, RulesPublic, RulesText, RulesTrial
from qa.compliance.store import current_engine, parse_rules, rule_book
from tickets import access
from web.access import ScopeDep
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep, SettingsDep
from web.routes.calls.transcripts import may_read_call

router = APIRouter(tags=["qa"])
CONSOLE = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
ADMINS = require_roles(Role.ADMIN)
CallIdQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
ConversationIdQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/api/qa/alerts", dependencies=[CONSOLE])
async def list_alerts(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    scope: ScopeDep,
    call_id: CallIdQuery = None,
    conversation_id: ConversationIdQuery = None,
) -> list[QaAlertPublic]:
    """The compliance alerts of one call or one conversation, in the order they happened."""
    if (call_id is None) == (conversation_id is None):
        raise InvalidInputError("name exactly one of call_id and conversation_id")
    if call_id is not None:
        if not await may_read_call(call_id, request, principal, session):
            raise NotFoundError(f"no call {call_id}")
        rows = alerts_for(session, call_id=call_id)
    else:
        assert conversation_id is not None
        access.conversation_for(session, scope, conversation_id)
        rows = alerts_for(session, conversation_id=conversation_id)
    return [QaAlertPublic.model_validate(row) for row in rows]


def _findings(engine: ComplianceEngine, body: CheckRequest) -> list[FindingPublic]:
    findings = engine.check(Utterance(body.speaker, body.text), channel=body.channel, queue=body.queue)
    return [FindingPublic.of(f) for f in findings]


@router.post("/api/qa/check", dependencies=[CONSOLE])
def check_text(body: CheckRequest, settings: SettingsDep) -> list[FindingPublic]:
    """What the forbidden rules in effect find in ``text`` (nothing is stored)."""
    return _findings(current_engine(settings), body)


@router.get("/api/admin/compliance-rules", dependencies=[ADMINS])
def get_compliance_rules(settings: SettingsDep) -> RulesPublic:
    """The compliance rules in effect and their YAML."""
    book = rule_book(settings.data_dir)
    try:
        rules, text = book.current()
    except ComplianceRuleFileError as exc:  # broken by hand before this process read a good version
        source = book.path if book.path.exists() else book.default
        raw = source.read_text(encoding="utf-8", errors="replace")
        return RulesPublic(
            yaml=raw, rules=RuleSet(), saved=book.path.exists(), problems=exc.problems or [str(exc)]
        )
    return RulesPublic(yaml=text, rules=rules, saved=book.path.exists())


@router.put("/api/admin/compliance-rules", dependencies=[ADMINS])
def replace_compliance_rules(body: RulesText, settings: SettingsDep) -> RulesPublic:
    """Validate and save the rules; the next utterance of every call and chat is judged by them."""
    rules = rule_book(settings.data_dir).replace(body.yaml)
    return RulesPublic(yaml=body.yaml, rules=rules, saved=True)


@router.post("/api/admin/compliance-rules/check", dependencies=[ADMINS])
def try_compliance_rules(body: RulesTrial) -> list[FindingPublic]:
    """What ``yaml`` (validated as a PUT would, 422 otherwise) finds in ``text``; nothing is saved."""
    # Example vectors come from the shared encoder's cache, so building an engine per try is cheap.
    return _findings(ComplianceEngine(parse_rules(body.yaml)), body)
