"""Analytics on PostgreSQL: every figure inline and from the materialized views, the API's roles and
errors, drill-down to the records behind figures, and the CSV / XLSX exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from analytics_dataset import (
    BILLING_HEATMAP_CELLS,
    EXPECTED_CALLS,
    EXPECTED_TRAINING,
    FAQ_WEEK_BOT_CHANNELS,
    FAQ_WEEK_FAQ,
    FAQ_WEEK_TEMPLATE_STAGES,
    MAIN_WEEK_FAQ,
    TRAINING_CALLS,
    check_report,
)
from channel_senders import RelayInbox, free_port
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from config.models import Role
from web.analytics.kpis import Period, Rollups, heatmap, report
from web.analytics.rollups import ROLLUPS, current_views, refresh_views, view_name
from web.analytics.tasks import daily_report, refresh_rollups

pytestmark = pytest.mark.integration
WEEK = Period(date(2026, 11, 2), date(2026, 11, 8))
RANGE = {"from": "2026-11-02", "to": "2026-11-08"}
Bearer = Callable[[Role], dict[str, str]]


def test_figures_are_the_same_inline_and_from_the_refreshed_views(
    analytics_engine: Engine, week_ids: dict[str, int]
) -> None:
    with analytics_engine.connect() as connection:
        connection.execute(text("DROP MATERIALIZED VIEW IF EXISTS analytics_calls_daily"))
        connection.commit()
        inline = report(connection, WEEK)
    assert inline["from_rollups"] is False
    check_report(inline)
    with analytics_engine.begin() as connection:
        assert refresh_views(connection) == [view_name(name) for name in ROLLUPS]
    with analytics_engine.begin() as connection:  # a second refresh is concurrent, on the same views
        refresh_views(connection)
    with analytics_engine.connect() as connection:
        stored = report(connection, WEEK)
        views = connection.execute(
            text("SELECT count(*) FROM pg_matviews WHERE matviewname LIKE 'analytics_%'")
        )
        assert views.scalar_one() == len(ROLLUPS)
    assert stored["from_rollups"] is True
    check_report(stored)
    with analytics_engine.connect() as connection:
        faq_week = report(connection, Period(date(2026, 11, 16), date(2026, 11, 22)))
    assert faq_week["calls"]["faq"] == FAQ_WEEK_FAQ
    assert faq_week["faq_bot_by_channel"] == FAQ_WEEK_BOT_CHANNELS
    with analytics_engine.connect() as connection:
        billing = heatmap(Rollups(connection), WEEK, reason="billing")
    assert {
        (d + 1, h): n for d, row in enumerate(billing) for h, n in enumerate(row) if n
    } == BILLING_HEATMAP_CELLS


def test_a_view_built_from_an_older_definition_is_not_read_and_is_rebuilt_by_the_job(
    analytics_engine: Engine, week_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch, analytics_pg_url: str
) -> None:
    with analytics_engine.begin() as connection:
        refresh_views(connection)
        connection.execute(text("COMMENT ON MATERIALIZED VIEW analytics_contacts_hourly IS 'older'"))
    with analytics_engine.connect() as connection:
        stale = current_views(connection)
        assert "contacts_hourly" not in stale and "calls_daily" in stale
        check_report(report(connection, WEEK))  # the stale rollup is computed inline meanwhile
    monkeypatch.setenv("VOXDESK_DATABASE_URL", analytics_pg_url)
    assert refresh_rollups() == [view_name(name) for name in ROLLUPS]  # the Celery job's body
    with analytics_engine.connect() as connection:
        assert current_views(connection) == set(ROLLUPS)
        check_report(report(connection, WEEK))


def test_supervisors_qa_and_admins_read_analytics_and_agents_are_refused(
    analytics_client: TestClient, bearer: Bearer
) -> None:
    for role in (Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN):
        answer = analytics_client.get("/api/analytics", params=RANGE, headers=bearer(role))
        assert answer.status_code == 200, answer.text
        assert answer.json()["calls"] == {**EXPECTED_CALLS, "faq": MAIN_WEEK_FAQ}
    assert analytics_client.get("/api/analytics", params=RANGE, headers=bearer(Role.AGENT)).status_code == 403
    assert analytics_client.get("/api/analytics", params=RANGE).status_code == 401


def test_a_backwards_or_too_long_range_and_an_unknown_metric_answer_422(
    analytics_client: TestClient, bearer: Bearer
) -> None:
    headers = bearer(Role.SUPERVISOR)
    backwards = analytics_client.get(
        "/api/analytics", params={"from": "2026-11-08", "to": "2026-11-02"}, headers=headers
    )
    assert backwards.status_code == 422 and "after" in backwards.text
    too_long = analytics_client.get(
        "/api/analytics", params={"from": "2024-01-01", "to": "2026-11-02"}, headers=headers
    )
    assert too_long.status_code == 422
    assert (
        analytics_client.get("/api/analytics", params={"from": "yesterday"}, headers=headers).status_code
        == 422
    )
    unknown = analytics_client.get(
        "/api/analytics/drill", params={**RANGE, "metric": "nope"}, headers=headers
    )
    assert unknown.status_code == 422 and "abandoned" in unknown.text
    cell = analytics_client.get(
        "/api/analytics/drill", params={**RANGE, "metric": "heatmap", "key": "9-99"}, headers=headers
    )
    assert cell.status_code == 422


def _drill(
    client: TestClient, headers: dict[str, str], metric: str, key: str = ""
) -> list[dict[str, object]]:
    answer = client.get(
        "/api/analytics/drill", params={**RANGE, "metric": metric, "key": key}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, object]] = answer.json()["rows"]
    return rows


def test_drill_down_lists_the_records_behind_each_figure(
    analytics_client: TestClient, bearer: Bearer, week_ids: dict[str, int]
) -> None:
    headers = bearer(Role.QA_MANAGER)

    def calls(metric: str, key: str = "") -> list[object]:
        return [row["call_id"] for row in _drill(analytics_client, headers, metric, key)]

    assert calls("abandoned") == ["c3", "c5"]
    assert calls("abandoned_in_ivr") == ["c4"]
    assert calls("service_level_missed") == ["c2", "c3", "c6"]
    assert calls("callbacks") == ["c6"]
    assert calls("transfers") == ["c7"]
    assert calls("faq_asked") == ["c6"] and calls("faq_deflected") == []
    assert calls("agent", "agent1") == ["c1", "c6", "c8"]
    contacts = _drill(analytics_client, headers, "reason", "billing")
    assert [(row["kind"], row["ref"]) for row in contacts] == [
        ("call", "c2"),
        ("call", "c7"),
        ("conversation", str(week_ids["e2"])),
    ]
    assert [row["ref"] for row in _drill(analytics_client, headers, "heatmap", "1-9")] == ["c1", "c2"]
    missed = [row["ref"] for row in _drill(analytics_client, headers, "fcr_missed")]
    assert missed == ["c1", "c2", str(week_ids["e1"]), "c8"]
    tickets = _drill(analytics_client, headers, "tickets_channel", "email")
    assert [row["ticket_id"] for row in tickets] == [week_ids["t2"], week_ids["t4"]]
    assert [row["ticket_id"] for row in _drill(analytics_client, headers, "reopened")] == [week_ids["t1"]]
    assert [row["score"] for row in _drill(analytics_client, headers, "csat_unsatisfied")] == [2]


def test_a_supervisor_drills_only_into_tickets_they_may_see(
    analytics_client: TestClient, bearer: Bearer
) -> None:
    # The week's tickets have no group or assignee: in the pool, which every supervisor sees; calls
    # are the floor's. A supervisor sees the same rows as a QA manager here.
    supervisor = _drill(analytics_client, bearer(Role.SUPERVISOR), "tickets_channel", "email")
    assert len(supervisor) == 2


def test_exports_hold_the_page_tables_as_csv_and_xlsx(analytics_client: TestClient, bearer: Bearer) -> None:
    headers = bearer(Role.SUPERVISOR)
    answer = analytics_client.get(
        "/api/analytics/export", params={**RANGE, "format": "csv", "table": "reasons"}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:2] == ["reason", "contacts"] and rows[1][:2] == ["billing", "3"]
    book = analytics_client.get("/api/analytics/export", params={**RANGE, "format": "xlsx"}, headers=headers)
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames == [
        "overview",
        "reasons",
        "together",
        "channels",
        "faq_bot",
        "tickets",
        "agents",
        "heatmap",
        "training",
    ]
    overview = {row[0]: row[1] for row in sheets["overview"].iter_rows(min_row=2, values_only=True)}
    assert overview["service_level"] == 0.5 and overview["aht_s"] == 274.0
    assert overview["faq_accuracy"] == 0.0 and overview["fcr_rate"] == 0.3333
    drill_csv = analytics_client.get(
        "/api/analytics/drill", params={**RANGE, "metric": "abandoned", "format": "csv"}, headers=headers
    )
    lines = list(csv.reader(io.StringIO(drill_csv.text)))
    assert lines[0][0] == "call_id" and [line[0] for line in lines[1:]] == ["c3", "c5"]


def test_training_needs_answer_with_the_calls_and_refuse_a_bad_bar(
    analytics_client: TestClient, bearer: Bearer
) -> None:
    headers = bearer(Role.QA_MANAGER)
    answer = analytics_client.get("/api/analytics/training", params=RANGE, headers=headers)
    assert answer.status_code == 200
    needs = [{key: need[key] for key in EXPECTED_TRAINING[0]} for need in answer.json()["needs"]]
    assert needs == EXPECTED_TRAINING
    for (metric, key), calls in TRAINING_CALLS.items():
        assert [row["call_id"] for row in _drill(analytics_client, headers, metric, key)] == calls
    bad_key = analytics_client.get(
        "/api/analytics/drill", params={**RANGE, "metric": "qa_item_failed", "key": "agent1"}, headers=headers
    )
    assert bad_key.status_code == 422
    assert (
        analytics_client.get(
            "/api/analytics/training", params={**RANGE, "bar": 2}, headers=headers
        ).status_code
        == 422
    )
    assert (
        analytics_client.get("/api/analytics/training", params=RANGE, headers=bearer(Role.AGENT)).status_code
        == 403
    )


def test_the_daily_report_mails_the_days_figures_with_the_tables_through_the_relay(
    analytics_engine: Engine, week_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch, analytics_pg_url: str
) -> None:
    inbox, port = RelayInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("VOXDESK_DATABASE_URL", analytics_pg_url)
        monkeypatch.setenv("VOXDESK_CHANNELS__RELAY_PORT", str(port))
        assert daily_report("2026-11-02") is False  # nobody to send it to
        monkeypatch.setenv("VOXDESK_ANALYTICS__DAILY_REPORT_TO", '["lead@example.com"]')
        assert daily_report("2026-11-02") is True  # the Celery job's body
    finally:
        controller.stop()
    (envelope,) = inbox.envelopes
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["To"] == "lead@example.com" and mail["Subject"] == "Voxdesk analytics for 2026-11-02"
    body = mail.get_body(("plain",))
    assert body is not None
    text_part = body.get_content()
    # Monday 2 November: c1, c2 answered; c3 abandoned at 45 s; c4 abandoned in the IVR.
    assert "Calls offered: 4, answered: 2" in text_part and "Service level (20 s): 33%" in text_part
    (attachment,) = list(mail.iter_attachments())
    sheets = load_workbook(io.BytesIO(attachment.get_content()))
    assert "overview" in sheets.sheetnames and "training" in sheets.sheetnames


def test_template_stages_answer_per_template_on_postgresql(
    analytics_client: TestClient, bearer: Bearer
) -> None:
    week = {"from": "2026-11-16", "to": "2026-11-22"}
    answer = analytics_client.get("/api/analytics/templates", params=week, headers=bearer(Role.SUPERVISOR))
    assert answer.status_code == 200
    (flow,) = answer.json()["templates"]
    assert flow["name"] == "Refund flow" and flow["stages"] == FAQ_WEEK_TEMPLATE_STAGES
    assert (
        analytics_client.get("/api/analytics/templates", params=week, headers=bearer(Role.AGENT)).status_code
        == 403
    )
