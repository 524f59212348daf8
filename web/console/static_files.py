"""Where the console's static files are: our scripts and styles, and ``vendor/`` (third-party
browser libraries fetched from the npm registry at set-up, never from a CDN at run time)."""

from __future__ import annotations

from pathlib import Path

CONSOLE_STATIC = Path(__file__).parent / "static"
VENDOR = CONSOLE_STATIC / "vendor"
