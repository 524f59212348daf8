"""The device/system alert a monitoring system posts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from tickets.desk.exceptions import InvalidInputError
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


class AlertPayloadError(InvalidInputError):
    """The alert body is not JSON or breaks :class:`DeviceAlert` (422); ``problems`` say where and why.

    The problems never echo the submitted values (a monitoring system may post anything).
    """

    def __init__(self, problems: list[dict[str, object]]) -> None:
        super().__init__("the alert is not valid")
        self.problems = problems

    def public_detail(self) -> object:
        return self.problems


def parse_device_alert(raw: bytes) -> DeviceAlert:
    """The alert in a webhook body, or :class:`AlertPayloadError`."""
    try:
        return DeviceAlert.model_validate_json(raw)
    except ValidationError as exc:
        problems: list[dict[str, object]] = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise AlertPayloadError(problems) from None
