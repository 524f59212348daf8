"""Customer services: recognise a customer by any identity, add identities, merge and unmerge.

Services commit their own unit of work, so routes and channel adapters stay thin.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import column, inspect, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.models import AuditEntry
from tickets.customers.exceptions import CustomerNotFoundError, InvalidIdentityError, MergeError
from tickets.customers.identities import normalise_identity
from tickets.customers.models import Customer, CustomerIdentity, CustomerMerge, IdentityKind

# Tables whose rows belong to a customer through a ``customer_id`` column. A merge moves their rows
# to the survivor and an unmerge moves them back; tables that do not exist (yet) are skipped, so
# features such as tickets join in by adding their table name here.
CUSTOMER_OWNED_TABLES: list[str] = ["conversations", "orders", "tickets", "csat_surveys"]


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFoundError(f"customer {customer_id} does not exist")
    return customer


def find_customer(session: Session, kind: IdentityKind | str, raw: str, region: str) -> Customer | None:
    """The customer an identifier belongs to, or None."""
    value = normalise_identity(kind, raw, region)
    identity = session.scalar(
        select(CustomerIdentity).where(CustomerIdentity.kind == str(kind), CustomerIdentity.value == value)
    )
    return session.get(Customer, identity.customer_id) if identity else None


def find_or_create_customer(
    session: Session, kind: IdentityKind | str, raw: str, region: str, display_name: str = ""
) -> Customer:
    """The customer owning this identifier, creating one (and the identity) on first contact.

    Two channels can meet a new person at the same moment; the unique (kind, value) constraint
    decides, and the loser reads the winner's row.
    """
    value = normalise_identity(kind, raw, region)
    kind = IdentityKind(kind)
    for _attempt in range(3):
        identity = session.scalar(
            select(CustomerIdentity).where(
                CustomerIdentity.kind == str(kind), CustomerIdentity.value == value
            )
        )
        if identity is not None:
            return get_customer(session, identity.customer_id)
        try:
            with session.begin_nested():
                customer = Customer(display_name=display_name[:200] or value)
                session.add(customer)
                session.flush()
                session.add(CustomerIdentity(customer_id=customer.id, kind=str(kind), value=value))
            session.commit()
            return customer
        except IntegrityError:
            continue
    raise MergeError(f"could not settle the owner of {kind} {value}", recoverable=True)


def add_identity(
    session: Session,
    customer_id: int,
    kind: IdentityKind | str,
    raw: str,
    region: str,
    verified_by: str | None = None,
) -> CustomerIdentity:
    """Attach an identifier to a customer; one already owned by someone else asks for a merge.

    ``verified_by`` (for example ``"agent:amy"``) marks it proved, also when the customer already
    had it: that is how staff confirm an address. Without it the identity is a claim.
    """
    customer = get_customer(session, customer_id)
    value = normalise_identity(kind, raw, region)
    existing = session.scalar(
        select(CustomerIdentity).where(CustomerIdentity.kind == str(kind), CustomerIdentity.value == value)
    )
    if existing is not None:
        if existing.customer_id == customer.id:
            if verified_by is not None:
                verify_identity(session, existing, verified_by)
            return existing
        raise MergeError(
            f"{kind} {value} belongs to customer {existing.customer_id}; merge the two customers instead"
        )
    identity = CustomerIdentity(customer_id=customer.id, kind=str(kind), value=value)
    if verified_by is not None:
        identity.verified_at, identity.verified_by = datetime.now(UTC), verified_by[:64]
    session.add(identity)
    session.commit()
    return identity


def find_identity(session: Session, kind: IdentityKind, value: str) -> CustomerIdentity | None:
    """The identity of ``kind`` with this already-normalised ``value``, or None."""
    return session.scalar(
        select(CustomerIdentity).where(CustomerIdentity.kind == str(kind), CustomerIdentity.value == value)
    )


def verify_identity(session: Session, identity: CustomerIdentity, verified_by: str) -> CustomerIdentity:
    """Mark an identity proved (the first proof is kept: it says how it was verified first)."""
    if identity.verified_at is None:
        identity.verified_at, identity.verified_by = datetime.now(UTC), verified_by[:64]
        session.commit()
    return identity


def verified_identities(session: Session, customer_id: int, kind: IdentityKind) -> list[CustomerIdentity]:
    """The customer's proved identities of ``kind``, most recently proved first."""
    return list(
        session.scalars(
            select(CustomerIdentity)
            .where(
                CustomerIdentity.customer_id == customer_id,
                CustomerIdentity.kind == str(kind),
                CustomerIdentity.verified_at.is_not(None),
            )
            .order_by(CustomerIdentity.verified_at.desc(), CustomerIdentity.id.desc())
        )
    )


def _owned_tables(session: Session) -> list[str]:
    inspector = inspect(session.connection())
    present = []
    for name in CUSTOMER_OWNED_TABLES:
        if inspector.has_table(name) and any(c["name"] == "customer_id" for c in inspector.get_columns(name)):
            present.append(name)
    return present


def _move_rows(session: Session, name: str, ids: list[int], to_customer: int) -> None:
    if ids:
        rows = table(name, column("id"), column("customer_id"))
        session.execute(update(rows).where(rows.c.id.in_(ids)).values(customer_id=to_customer))


def merge_customers(session: Session, survivor_id: int, merged_id: int, actor: str) -> CustomerMerge:
    """Move everything of ``merged_id`` to ``survivor_id`` and remember what moved."""
    if survivor_id == merged_id:
        raise MergeError("a customer cannot be merged into itself")
    survivor, merged = get_customer(session, survivor_id), get_customer(session, merged_id)
    if survivor.merged_into_id is not None or merged.merged_into_id is not None:
        raise MergeError("one of these customers is already merged into another; use the survivor")
    moved: dict[str, list[int]] = {}
    moved["customer_identities"] = list(
        session.scalars(select(CustomerIdentity.id).where(CustomerIdentity.customer_id == merged.id))
    )
    _move_rows(session, "customer_identities", moved["customer_identities"], survivor.id)
    for name in _owned_tables(session):
        rows = table(name, column("id"), column("customer_id"))
        moved[name] = [
            int(i) for i in session.scalars(select(rows.c.id).where(rows.c.customer_id == merged.id))
        ]
        _move_rows(session, name, moved[name], survivor.id)
    merged.merged_into_id = survivor.id
    record = CustomerMerge(survivor_id=survivor.id, merged_id=merged.id, moved=moved, merged_by=actor)
    session.add(record)
    session.add(
        AuditEntry(
            actor=actor,
            action="customer.merge",
            target=f"customer:{survivor.id}",
            details={"merged_id": merged.id, "moved": {k: len(v) for k, v in moved.items()}},
        )
    )
    session.commit()
    return record


def unmerge_customers(session: Session, merge_id: int, actor: str) -> CustomerMerge:
    """Undo a merge: the merged customer comes back with the identities and rows it brought."""
    record = session.get(CustomerMerge, merge_id)
    if record is None:
        raise MergeError(f"merge {merge_id} does not exist")
    if record.unmerged_at is not None:
        raise MergeError(f"merge {merge_id} was already undone")
    merged = get_customer(session, record.merged_id)
    for name, ids in record.moved.items():
        if name == "customer_identities" or name in _owned_tables(session):
            _move_rows(session, name, [int(i) for i in ids], merged.id)
    merged.merged_into_id = None
    record.unmerged_at = datetime.now(UTC)
    record.unmerged_by = actor
    session.add(
        AuditEntry(
            actor=actor,
            action="customer.unmerge",
            target=f"customer:{record.survivor_id}",
            details={"merged_id": merged.id, "merge_id": record.id},
        )
    )
    session.commit()
    return record


def list_identities(session: Session, customer_id: int) -> list[CustomerIdentity]:
    return list(
        session.scalars(
            select(CustomerIdentity)
            .where(CustomerIdentity.customer_id == customer_id)
            .order_by(CustomerIdentity.id)
        )
    )


def list_merges(session: Session, customer_id: int) -> list[CustomerMerge]:
    return list(
        session.scalars(
            select(CustomerMerge)
            .where((CustomerMerge.survivor_id == customer_id) | (CustomerMerge.merged_id == customer_id))
            .order_by(CustomerMerge.id)
        )
    )


__all__ = [
    "CUSTOMER_OWNED_TABLES",
    "InvalidIdentityError",
    "add_identity",
    "find_customer",
    "find_or_create_customer",
    "get_customer",
    "merge_customers",
    "unmerge_customers",
]
