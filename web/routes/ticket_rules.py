"""Ticket rules through the API: read (supervisors), validate and replace (admins).

A replacement is checked before it is saved: bad YAML, an unknown field or a group the desk does
not have answers 422 with every problem as "where: why", and the rules in use stay. A saved file is
used for the next contact by every process (each re-reads it when it changes), no restart needed.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from config.models import Role
from tickets.rules import RuleFileError, RuleSet, parse_rules, rule_book
from tickets.rules.apply import unknown_groups
from tickets.rules.store import MAX_RULES_BYTES
from web.auth import require_roles
from web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/ticket-rules", tags=["ticket rules"])
READERS = require_roles(Role.SUPERVISOR)
ADMINS = require_roles(Role.ADMIN)


class RulesText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=MAX_RULES_BYTES, description="The whole rules file")


class RulesPublic(BaseModel):
    yaml: str
    rules: RuleSet
    saved: bool = Field(description="False while the packaged default is in use")
    problems: list[str] = Field(
        default_factory=list, description="Why a file edited by hand cannot be used (then no rule applies)"
    )


@router.get("", dependencies=[READERS])
def get_rules(settings: SettingsDep) -> RulesPublic:
    """The rules in use and their YAML."""
    book = rule_book(settings.data_dir)
    try:
        rules, text = book.current()
    except RuleFileError as exc:  # broken by hand before this process ever read a good version
        source = book.path if book.path.exists() else book.default
        raw = source.read_text(encoding="utf-8", errors="replace")
        return RulesPublic(
            yaml=raw, rules=RuleSet(), saved=book.path.exists(), problems=exc.problems or [str(exc)]
        )
    return RulesPublic(yaml=text, rules=rules, saved=book.path.exists())


@router.put("", dependencies=[ADMINS])
def replace_rules(body: RulesText, session: SessionDep, settings: SettingsDep) -> RulesPublic:
    """Validate and save the rules; the next call, e-mail or chat is judged by them."""
    rules = parse_rules(body.yaml)
    problems = unknown_groups(session, rules)
    if problems:
        raise RuleFileError("the rules name groups that do not exist", problems)
    rule_book(settings.data_dir).replace(body.yaml)
    return RulesPublic(yaml=body.yaml, rules=rules, saved=True)
