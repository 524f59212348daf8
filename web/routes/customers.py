"""Customers: find by any identity, view everything about one, add identities, merge and unmerge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from config.models import Role
from tickets import access
from tickets.customers import services, suggestions
from tickets.customers.exceptions import CustomerNotFoundError
from tickets.customers.models import Customer, SuggestionStatus
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
from web.access import ScopeDep
from web.auth import Principal, require_roles
from web.deps import SessionDep, SettingsDep
from web.ids import IdPath, IdQuery

router = APIRouter(prefix="/api/customers", tags=["customers"])
AGENTS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
WORKERS = require_roles(Role.AGENT, Role.SUPERVISOR)
SUPERVISORS = require_roles(Role.SUPERVISOR)
REVIEWERS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)


@router.post("/lookup", dependencies=[AGENTS])
def lookup_customer(
    body: CustomerLookup, session: SessionDep, settings: SettingsDep, scope: ScopeDep
) -> CustomerPublic:
    """The customer with this phone number, address, chat or messaging id (created when asked).

    Only a customer the user may see is found (:mod:`tickets.access`); creating is a write."""
    region = settings.customers.default_region
    if body.create:
        access.require_write(scope, "customers")
        found: Customer | None = services.find_or_create_customer(
            session, body.kind, body.value, region, body.display_name
        )
    else:
        found = services.find_customer(session, body.kind, body.value, region)
    customer = access.visible_customer(session, scope, found)
    if customer is None:
        raise CustomerNotFoundError("no customer has this identity")
    return CustomerPublic.model_validate(customer)


@router.get("/merge-suggestions", dependencies=[REVIEWERS])
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
    suggestion_id: IdPath, session: SessionDep, principal: Principal = SUPERVISORS
) -> MergeSuggestionPublic:
    """A supervisor checked who the visitor is: merge the visitor into the matched customer.

    Supervisors and admins only, like any merge: the claim is what an anonymous visitor typed."""
    suggestion = suggestions.accept_suggestion(session, suggestion_id, actor=principal.username)
    return MergeSuggestionPublic.model_validate(suggestion)


@router.post("/merge-suggestions/{suggestion_id}/reject")
def reject_merge_suggestion(
    suggestion_id: IdPath, session: SessionDep, principal: Principal = SUPERVISORS
) -> MergeSuggestionPublic:
    """The claim was not confirmed: the customers stay apart; the decision is recorded."""
    suggestion = suggestions.reject_suggestion(session, suggestion_id, actor=principal.username)
    return MergeSuggestionPublic.model_validate(suggestion)


@router.get("/{customer_id}", dependencies=[AGENTS])
def get_customer_view(customer_id: IdPath, session: SessionDep, scope: ScopeDep) -> CustomerView:
    """Every conversation, call, ticket, order and device of the customer that the user may see."""
    return access.customer_view_for(session, scope, customer_id)


@router.post("/{customer_id}/identities", status_code=201)
def add_identity(
    customer_id: IdPath,
    body: IdentityBase,
    session: SessionDep,
    settings: SettingsDep,
    scope: ScopeDep,
    principal: Principal = WORKERS,
) -> IdentityPublic:
    """Attach a phone, address or id; one that belongs to someone else answers 409 (merge instead).

    Staff entering an identity vouch for it, so it is verified (``verified_by: agent:<name>``);
    adding one the customer already has confirms it. E-mail replies go only to verified addresses."""
    access.customer_for(session, scope, customer_id, write=True)
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
