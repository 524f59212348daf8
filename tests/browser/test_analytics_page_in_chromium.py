"""A supervisor opens the analytics page in real Chromium over the hand-computed week: the key
figures, the four ECharts charts (SVG with drawn shapes), the tables, a drill-down from a chart, in
English and Chinese. Screenshots at 1366x900 go to $VOXDESK_ARTIFACTS (default artifacts/screenshots/)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from analytics_dataset import seed
from browser_polling import poll
from playwright.sync_api import Browser, Page

from config.accounts import create_user
from config.models import Role

pytestmark = pytest.mark.browser
PASSWORD = "charts-Vox-4kz-long-pass"
ARTIFACTS = Path(
    os.environ.get("VOXDESK_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
)
WEEK = "from=2026-11-02&to=2026-11-08"
# Shapes each chart draws (ECharts' SVG renderer): bars, pie sectors, heatmap cells.
FIRST_CELLS = (
    "Array.from(document.querySelectorAll('#drill-rows tr td:first-child'), (td) => td.textContent).join()"
)
SHAPES = "(id) => document.querySelectorAll(`#${id} svg path`).length"


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()




def kpi(page: Page, metric: str) -> str:
    return str(page.evaluate(f"document.querySelector('.kpi[data-metric={metric}] .kpi-value').textContent"))


def test_the_analytics_page_draws_its_charts_and_drills_down_in_both_languages(
    page: Page, live_app: Any
) -> None:
    name = f"an-{uuid.uuid4().hex[:6]}"
    with live_app.session_factory() as session:
        seed(session)
        create_user(session, name, "Analytics Lead", Role.SUPERVISOR, PASSWORD)
        session.commit()
    page.goto(f"{live_app.base_url}/login?next={quote('/analytics?' + WEEK, safe='')}")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.locator("h1", has_text="Analytics").wait_for(timeout=10_000)
    poll(page, "document.body.dataset.loaded || ''", "true")
    assert page.locator("nav.pages a[aria-current=page]").text_content() == "Analytics"

    assert kpi(page, "service_level_missed") == "50%"
    assert kpi(page, "abandoned") == "29%"
    assert kpi(page, "abandoned_in_ivr") == "13%"
    assert kpi(page, "answered") == "02:15"  # ASA 135 s (the first tile of that metric)
    assert kpi(page, "fcr_missed") == "33%"
    assert kpi(page, "faq_deflected") == "0%"
    for chart in ("chart-reasons", "chart-channels", "chart-tickets", "chart-heatmap"):
        drawn = page.evaluate(f"({SHAPES})('{chart}')")
        assert drawn >= 3, f"{chart} drew {drawn} shapes"
    reasons = page.locator("#reason-rows tr td:first-child").all_text_contents()
    assert reasons[:2] == ["billing", "delivery"] and len(reasons) == 7
    assert page.locator("#agent-rows tr td:nth-child(2)").all_text_contents() == ["Bob", "Alice"]
    assert page.locator("#training-rows tr").count() == 5
    together = page.locator("#together-rows tr td:first-child").all_text_contents()
    assert together == ["delivery + support", "refund + technical"]
    page.locator("#training-rows tr[data-agent=agent1][data-need='item:disclosure'] button.calls").click()
    poll(page, FIRST_CELLS, "c1,c8")  # the calls on which Alice's disclosure failed

    page.locator("#kpis .kpi[data-metric=abandoned]").click()
    poll(page, FIRST_CELLS, "c3,c5")
    page.locator("#reason-rows button", has_text="billing").click()
    poll(page, "document.querySelectorAll('#drill-rows tr').length", 3)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analytics-en.png"), full_page=True)

    page.goto(f"{live_app.base_url}/lang/zh?next={quote('/analytics?' + WEEK, safe='')}")
    page.locator("h1", has_text="数据分析").wait_for(timeout=10_000)
    poll(page, "document.body.dataset.loaded || ''", "true")
    assert page.evaluate(f"({SHAPES})('chart-heatmap')") >= 3
    assert "前 10 位联系原因" in page.locator("#reasons-h").text_content()
    page.screenshot(path=str(ARTIFACTS / "analytics-zh.png"), full_page=True)

    # The week of 16 November: the refund template's three tickets along its three stages.
    page.goto(
        f"{live_app.base_url}/lang/en?next={quote('/analytics?from=2026-11-16&to=2026-11-22', safe='')}"
    )
    poll(page, "document.body.dataset.loaded || ''", "true")
    stages = page.locator("#stage-rows tr td:nth-child(2)").all_text_contents()
    assert stages == ["1. Consult", "2. Refund", "3. Close"]
    assert page.locator("#stage-rows tr td:nth-child(5)").all_text_contents() == ["100%", "67%", "33%"]
