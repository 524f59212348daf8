"""Device and system alert webhook: signed with HMAC-SHA256, opens (or notes on) a proactive ticket.

Authentication is the signature itself (monitoring systems have no user account): the shared
secret is ``desk.alert_webhook_secret`` (generated in the data dir when not set).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response, status

from config.secrets_store import get_or_create_secret
from tickets.alerts.schemas import AlertOutcome, DeviceAlert, parse_device_alert
from tickets.alerts.services import open_alert_ticket
from tickets.channels.replay import replay_window
from tickets.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from web.deps import SessionDep, SettingsDep
from web.routes.desk_support import RuntimeDep
from web.routes.ticket_support import ReplayGuardDep

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


def alert_secret(request: Request) -> str:
    settings = request.app.state.settings
    return settings.desk.alert_webhook_secret or get_or_create_secret(
        settings.data_dir, "alert_webhook_secret"
    )


@router.post(
    "/device",
    responses={
        200: {"model": AlertOutcome},
        201: {"model": AlertOutcome},
        401: {"description": "bad signature"},
        409: {"description": "the same signed request was received already (replay)"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": DeviceAlert.model_json_schema()}},
        }
    },
)
async def device_alert(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    guard: ReplayGuardDep,
) -> AlertOutcome:
    """Open a ticket for a device alert; the same device and code while open adds a note (200).

    Each signed request is accepted once: the identical request again inside the window gets 409.
    """
    body = await request.body()
    now = time.time()
    tolerance = settings.desk.alert_tolerance_seconds
    signature = request.headers.get(SIGNATURE_HEADER, "")
    timestamp = verify(
        alert_secret(request),
        request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER),
        body,
        now=now,
        tolerance=tolerance,
    )
    # The signature stays acceptable until timestamp + tolerance; remember it that long.
    async with guard.first_use("alert", signature, replay_window(timestamp, tolerance, now)):
        alert = parse_device_alert(body)
        outcome = open_alert_ticket(session, runtime, alert, settings.customers.default_region)
    response.status_code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
    return outcome
