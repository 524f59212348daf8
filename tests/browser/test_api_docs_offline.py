"""/docs (and /redoc, which leads there) renders in real Chromium with no request leaving the machine.

Any request to another origin is aborted and recorded, so the pages must work from the files
``voxdesk assets`` built; the strict policy must not block anything they need either.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("VOXDESK_ARTIFACTS", Path(__file__).parents[2] / "artifacts" / "screenshots"))


class OfflinePage:
    """A page whose requests to anywhere but the app are aborted; remembers them and console errors."""

    def __init__(self, page: Page, app_origin: str) -> None:
        self.page = page
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._only_the_app(app_origin))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _only_the_app(self, origin: str):  # type: ignore[no-untyped-def]
        def handle(route: Route) -> None:
            url = route.request.url
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" == origin or parts.scheme in ("data", "blob"):
                route.continue_()
            else:
                self.foreign.append(url)
                route.abort()

        return handle

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


@pytest.fixture
def offline(chromium: Browser, live_app: Any) -> Iterator[OfflinePage]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    try:
        yield OfflinePage(context.new_page(), live_app.base_url)
    finally:
        context.close()


def listed_paths(page: Page) -> set[str]:
    """Every operation path Swagger UI lists. Past about 120 operations it renders only those near the
    viewport (a virtual list), so scroll down the page and collect them as they appear."""
    seen: set[str] = set()
    for _ in range(200):
        before = len(seen)
        seen.update(page.locator(".opblock-summary-path").all_inner_texts())
        at_bottom = page.evaluate("window.innerHeight + window.scrollY >= document.body.scrollHeight - 2")
        if at_bottom and len(seen) == before:
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
    page.evaluate("window.scrollTo(0, 0)")
    return seen


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_swagger_ui_lists_the_api_operations_without_any_other_site(
    offline: OfflinePage, live_app: Any
) -> None:
    page = offline.page
    page.goto(f"{live_app.base_url}/docs")

    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    paths = listed_paths(page)
    assert len(paths) > 50 and {"/api/tickets", "/api/qa/search"} <= paths  # every route, not a shell
    expect(page.locator(".info .title")).to_contain_text("Voxdesk")
    _screenshot(page, "api-docs-swagger.png")
    assert offline.foreign == []
    assert offline.errors == []  # no Content-Security-Policy refusal, no script error


def test_redoc_leads_to_the_same_offline_docs(offline: OfflinePage, live_app: Any) -> None:
    page = offline.page
    page.goto(f"{live_app.base_url}/redoc")

    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert urlsplit(page.url).path == "/docs"
    assert offline.foreign == []
    assert offline.errors == []


def test_the_jssip_bundle_imports_as_an_es_module_in_the_console(offline: OfflinePage, live_app: Any) -> None:
    page = offline.page
    page.goto(f"{live_app.base_url}/login")  # a console page, under the console's own policy

    found = page.evaluate(
        """async () => {
            const JsSIP = (await import('/static/console/vendor/jssip.js')).default;
            return {version: JsSIP.version, ua: typeof JsSIP.UA,
                    socket: typeof JsSIP.WebSocketInterface, debug: typeof JsSIP.debug.enable};
        }"""
    )
    assert found == {"version": "3.13.8", "ua": "function", "socket": "function", "debug": "function"}
    assert offline.foreign == []
