"""Where ARI is and whether it answers: the one thing every user of the sandbox needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class AriEndpoint:
    """ARI base URL (``http://host:port/ari``) and the credentials for it."""

    url: str
    user: str
    password: str

    @property
    def auth(self) -> tuple[str, str]:
        """Basic-auth pair for httpx."""
        return (self.user, self.password)

    @property
    def events_url(self) -> str:
        """The WebSocket URL of the event stream (``app`` is added by the caller)."""
        return self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/events"


def asterisk_info(ari: AriEndpoint, timeout: float = 2.0) -> dict[str, Any] | None:
    """``GET /ari/asterisk/info``, or None when ARI does not answer (yet) or refuses the credentials."""
    try:
        response = httpx.get(f"{ari.url}/asterisk/info", auth=ari.auth, timeout=timeout)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    data = response.json()
    return data if isinstance(data, dict) else None


def asterisk_version(info: dict[str, Any] | None) -> str | None:
    """The version string from an ``asterisk/info`` answer."""
    if not info:
        return None
    version = info.get("system", {}).get("version")
    return str(version) if version else None
