"""Schemathesis fuzzes the desk's part of the OpenAPI schema: no input makes the server fail (5xx)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session, sessionmaker

from config.models import Role
from config.sessions import open_session_for
from desk.desk_helpers import RecordingScheduler, desk_app, make_user
from tickets.desk.outbox import DeskRuntime

pytestmark = pytest.mark.integration
DESK_PATHS = r"^/(api/(tickets|desk|kb|alerts|webhooks))"
EXAMPLES_PER_OPERATION = 30  # about 40 operations: the whole run stays under a minute


def test_no_generated_request_makes_the_desk_api_fail_with_a_server_error(
    desk_pg_url: str, desk_factory: sessionmaker[Session], tmp_path: Path, redis_url: str
) -> None:
    app = desk_app(desk_pg_url, tmp_path, redis_url, DeskRuntime(timers=RecordingScheduler()))
    admin = make_user(desk_factory, Role.ADMIN, "fuzz")
    token = open_session_for(desk_factory, admin.id)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=DESK_PATHS)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}"
                )

        call()
    assert operations >= 30, f"only {operations} desk operations in the schema"
    assert failures == []
    assert sum(n for code, n in statuses.items() if code < 300) > 50, (
        statuses
    )  # valid requests got through too
