"""Customer tables: a customer, the identities that point at them, and merge records."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from config.db import Base
from config.models import utcnow


class CustomerSegment(enum.StrEnum):
    """Service tier; stored as plain text so adding a tier needs no enum migration."""

    STANDARD = "standard"
    VIP = "vip"


class IdentityKind(enum.StrEnum):
    """The ways a customer can be recognised; values are normalised per kind before storage."""

    PHONE = "phone"  # E.164
    EMAIL = "email"  # lower-case address
    WEBCHAT = "webchat"  # anonymous visitor id issued by our widget
    MESSAGING = "messaging"  # "<network>:<id>", e.g. "wechat:oAbC..." (an openid)
    APP_USER = "app_user"  # the customer's own app's user id
    DEVICE_SERIAL = "device_serial"  # a product's serial number


class Customer(Base):
    """A person or organisation we serve, whatever channel they come through."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    segment: Mapped[str] = mapped_column(String(32), default=CustomerSegment.STANDARD.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set while this customer is merged into another; cleared again by an unmerge.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", lazy="raise", foreign_keys="CustomerIdentity.customer_id"
    )


class CustomerIdentity(Base):
    """One normalised identifier (a phone number, an address...) that belongs to one customer."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_customer_identities_kind_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when the identity was proved: "dkim:<domain>" or "spf:<domain>" (an authenticated mail
    # from it), "agent:<username>" (entered or confirmed by staff) or "import". E-mail replies go
    # only to verified addresses; a claim typed into the chat widget stays unverified.
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    verified_by: Mapped[str | None] = mapped_column(String(64), default=None)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    customer: Mapped[Customer] = relationship(
        back_populates="identities", lazy="raise", foreign_keys=[customer_id]
    )


class CustomerMerge(Base):
    """What a merge moved, so an unmerge can give every identity and record back."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    # {"customer_identities": [ids], "conversations": [ids], ...}: rows moved from merged to survivor.
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    merged_by: Mapped[str] = mapped_column(String(64))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    unmerged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    unmerged_by: Mapped[str | None] = mapped_column(String(64), default=None)


class SuggestionStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class MergeSuggestion(Base):
    """A visitor claimed an identity another customer owns; an agent confirms or rejects the merge.

    A claim typed into the web-chat widget is unverified (anyone can type someone's address), so it
    never merges by itself: it waits here until an agent has checked who they are talking to.
    """

    __tablename__ = "customer_merge_suggestions"
    __table_args__ = (
        UniqueConstraint(
            "visitor_customer_id",
            "matched_customer_id",
            "identity_kind",
            "identity_value",
            name="uq_customer_merge_suggestions_claim",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    matched_customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    identity_kind: Mapped[str] = mapped_column(String(32))
    identity_value: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32), default="webchat")
    status: Mapped[str] = mapped_column(String(16), default=SuggestionStatus.PENDING.value, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    merge_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_merges.id", ondelete="SET NULL"), default=None
    )
