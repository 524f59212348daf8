"""Customers: find by any identity, view everything about one, add identities, merge and unmerge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from config.models import Role
from tickets.customers import services, suggestions
from tickets.customers.exceptions import CustomerNotFoundError
from tickets.customers.models import SuggestionStatus
from tickets.customers.schemas import (
    CustomerLookup,
    CustomerPublic,
    CustomerView,
    IdentityBase,
    IdentityPublic,
    MergePublic,
    MergeRequest,
    MergeSuggestionPublic,
)
from tickets.customers.view import customer_view
from web.auth import Principal, require_roles
from web.deps import SessionDep, SettingsDep
from web.ids import IdPath, IdQuery

router = APIRouter(prefix="/api/customers", tags=["customers"])
AGENTS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
SUPERVISORS = require_roles(Role.SUPERVISOR)


@router.post("/lookup", dependencies=[AGENTS])
def lookup_customer(body: CustomerLookup, session: SessionDep, settings: SettingsDep) -> CustomerPublic:
    """The customer with this phone number, address, chat or messaging id (created when asked)."""
    region = settings.customers.default_region
    if body.create:
        customer = services.find_or_create_customer(
            session, body.kind, body.value, region, body.display_name
        )
    else:
        found = services.find_customer(session, body.kind, body.value, region)
        if found is None:
            raise CustomerNotFoundError("no customer has this identity")
        customer = found
    return CustomerPublic.model_validate(customer)


@router.get("/merge-suggestions", dependencies=[AGENTS])
def list_merge_suggestions(
    session: SessionDep,
    status_: Annotated[SuggestionStatus | None, Query(alias="status")] = SuggestionStatus.PENDING,
    customer_id: IdQuery = None,
) -> list[MergeSuggestionPublic]:
    """Web-chat visitors' claims to identities other customers own (pending ones by default)."""
    found = suggestions.list_suggestions(session, status_, customer_id)
    return [MergeSuggestionPublic.model_validate(s) for s in found]


@router.post("/merge-suggestions/{suggestion_id}/accept")
def accept_merge_suggestion(
    suggestion_id: IdPath, session: SessionDep, principal: Principal = AGENTS
) -> MergeSuggestionPublic:
    """The agent checked who they are talking to: merge the visitor into the matched customer."""
    suggestion = suggestions.accept_suggestion(session, suggestion_id, actor=principal.username)
    return MergeSuggestionPublic.model_validate(suggestion)


@router.post("/merge-suggestions/{suggestion_id}/reject")
def reject_merge_suggestion(
    suggestion_id: IdPath, session: SessionDep, principal: Principal = AGENTS
) -> MergeSuggestionPublic:
    """The claim was not confirmed: the customers stay apart; the decision is recorded."""
    suggestion = suggestions.reject_suggestion(session, suggestion_id, actor=principal.username)
    return MergeSuggestionPublic.model_validate(suggestion)


@router.get("/{customer_id}", dependencies=[AGENTS])
def get_customer_view(customer_id: IdPath, session: SessionDep) -> CustomerView:
    """Every conversation, call, ticket, order and device of the customer."""
    return customer_view(session, customer_id)


@router.post("/{customer_id}/identities", status_code=201)
def add_identity(
    customer_id: IdPath,
    body: IdentityBase,
    session: SessionDep,
    settings: SettingsDep,
    principal: Principal = AGENTS,
) -> IdentityPublic:
    """Attach a phone, address or id; one that belongs to someone else answers 409 (merge instead).

    Staff entering an identity vouch for it, so it is verified (``verified_by: agent:<name>``);
    adding one the customer already has confirms it. E-mail replies go only to verified addresses."""
    identity = services.add_identity(
        session,
        customer_id,
        body.kind,
        body.value,
        settings.customers.default_region,
        verified_by=f"agent:{principal.username}",
    )
    return IdentityPublic.model_validate(identity)


@router.post("/{customer_id}/merge", status_code=201)
def merge_into(
    customer_id: IdPath, body: MergeRequest, session: SessionDep, principal: Principal = SUPERVISORS
) -> MergePublic:
    """Merge ``merged_id`` into this customer; the record lets a supervisor undo it."""
    record = services.merge_customers(session, customer_id, body.merged_id, actor=principal.username)
    return MergePublic.model_validate(record)


@router.post("/merges/{merge_id}/unmerge")
def unmerge(merge_id: IdPath, session: SessionDep, principal: Principal = SUPERVISORS) -> MergePublic:
    """Undo a merge: the merged customer gets back the identities and records it brought."""
    record = services.unmerge_customers(session, merge_id, actor=principal.username)
    return MergePublic.model_validate(record)
