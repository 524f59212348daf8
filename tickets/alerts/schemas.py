"""The device/system alert a monitoring system posts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tickets.desk.schemas import Strict


class DeviceAlert(Strict):
    device_serial: str = Field(min_length=1, max_length=255)
    alert_code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    severity: Literal["critical", "major", "minor", "warning"] = "major"
    message: str = Field(default="", max_length=5000)
    occurred_at: datetime | None = None
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict, max_length=50)


class AlertOutcome(BaseModel):
    ticket_id: int
    created: bool  # False: an open ticket for this device and code got a note instead
    customer_id: int | None
