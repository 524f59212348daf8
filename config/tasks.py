"""Jobs that belong to the foundation itself."""

from __future__ import annotations

from typing import Any

from config.jobs import celery_app


@celery_app.task(name="voxdesk.system.echo")
def echo(payload: dict[str, Any]) -> dict[str, Any]:
    """Round-trips a payload: used by health checks to prove a worker is consuming jobs."""
    return {"echo": payload}
