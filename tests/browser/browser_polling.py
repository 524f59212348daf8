"""Waiting on a page's state from the test side: the console's CSP forbids eval, so Playwright's
``wait_for_function`` cannot run there; the tests ask with ``page.evaluate`` until the answer comes."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

TRUTHY = object()  # "any truthy answer" instead of one wanted value


def poll(page: Page, script: str, wanted: Any = TRUTHY, seconds: float = 15) -> Any:
    """Evaluate ``script`` until it returns ``wanted`` (or, by default, anything truthy); a page that
    navigates meanwhile is asked again."""
    deadline = time.monotonic() + seconds
    value = None
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(script)
        except PlaywrightError:  # the page navigated while being asked
            value = None
        if bool(value) if wanted is TRUTHY else value == wanted:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{script} stayed {value!r}" + ("" if wanted is TRUTHY else f", wanted {wanted!r}"))
