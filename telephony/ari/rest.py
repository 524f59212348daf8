"""ARI REST calls over one ``httpx.AsyncClient`` (the transport is the test seam)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from telephony.ari.exceptions import AriConflictError, AriError, AriNotFoundError, AriUnavailableError
from telephony.ari.models import Bridge, Channel, Endpoint, LiveRecording, Playback
from telephony.ari.timing import ANSWER_TIMING

Params = Mapping[str, str | int | float | bool | Iterable[str] | None]


def _query(params: Params) -> dict[str, str]:
    # ARI takes every argument as a query parameter; lists are comma-joined, booleans lower-case.
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[key] = str(value)
        else:
            out[key] = ",".join(value)
    return out


class AriRest:
    """Typed wrappers for the ARI resources Voxdesk uses; raises :mod:`telephony.ari.exceptions`."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, auth=(user, password), timeout=timeout, transport=transport
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self, method: str, path: str, params: Params | None = None, body: Mapping[str, Any] | None = None
    ) -> Any:
        """One REST call; JSON answer or None. 404 -> AriNotFoundError, 409/422 -> AriConflictError."""
        try:
            response = await self._http.request(method, path, params=_query(params or {}), json=body)
        except httpx.TransportError as exc:
            raise AriUnavailableError(f"ARI {method} {path}: {exc!r}") from exc
        if response.status_code >= 400:
            message = f"ARI {method} {path} -> {response.status_code} {response.text[:200]}"
            if response.status_code == 404:
                raise AriNotFoundError(message, status=404)
            if response.status_code in (409, 412, 422):
                raise AriConflictError(message, status=response.status_code)
            raise AriError(message, status=response.status_code, recoverable=response.status_code >= 500)
        return response.json() if response.content else None

    # --- asterisk / applications
    async def asterisk_info(self) -> dict[str, Any]:
        return dict(await self.request("GET", "/asterisk/info"))

    async def reload_module(self, module: str) -> None:
        """Reload one Asterisk module's configuration (``res_pjsip.so`` re-reads pjsip.conf)."""
        await self.request("PUT", f"/asterisk/modules/{module}")

    async def subscribe(self, app: str, event_source: str) -> None:
        """Send ``app`` the events of ``event_source`` too (``endpoint:PJSIP``: every PJSIP endpoint)."""
        await self.request("POST", f"/applications/{app}/subscription", {"eventSource": event_source})

    async def allow_only(self, app: str, event_types: Iterable[str]) -> None:
        """Send ``app`` only events of these types (the rest of what its subscriptions bring is dropped
        inside Asterisk)."""
        allowed = [{"type": event_type} for event_type in event_types]
        await self.request("PUT", f"/applications/{app}/eventFilter", body={"allowed": allowed})

    # --- endpoints
    async def list_endpoints(self, technology: str) -> list[Endpoint]:
        return [Endpoint.from_json(e) for e in await self.request("GET", f"/endpoints/{technology}")]

    # --- channels
    async def list_channels(self) -> list[Channel]:
        return [Channel.from_json(c) for c in await self.request("GET", "/channels")]

    async def get_channel(self, channel_id: str) -> Channel:
        return Channel.from_json(await self.request("GET", f"/channels/{channel_id}"))

    async def get_channel_var(self, channel_id: str, variable: str) -> str:
        data = await self.request("GET", f"/channels/{channel_id}/variable", {"variable": variable})
        return str(data.get("value") or "")

    async def set_channel_var(self, channel_id: str, variable: str, value: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/variable", {"variable": variable, "value": value})

    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/answer")
        ANSWER_TIMING.answered(channel_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self.request("DELETE", f"/channels/{channel_id}", {"reason": reason})

    async def originate(
        self,
        endpoint: str,
        *,
        app: str,
        app_args: str,
        caller_id: str | None = None,
        timeout_s: int = 30,
        channel_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        """Call ``endpoint``; the channel enters the Stasis ``app`` when it answers."""
        params = {
            "endpoint": endpoint,
            "app": app,
            "appArgs": app_args,
            "callerId": caller_id,
            "timeout": timeout_s,
            "channelId": channel_id,
        }
        body = {"variables": dict(variables)} if variables else None
        return Channel.from_json(await self.request("POST", "/channels", params, body))

    async def play(self, channel_id: str, media: str | list[str], playback_id: str | None = None) -> Playback:
        media_list = [media] if isinstance(media, str) else media
        params = {"media": media_list, "playbackId": playback_id}
        return Playback.from_json(await self.request("POST", f"/channels/{channel_id}/play", params))

    async def stop_playback(self, playback_id: str) -> None:
        await self.request("DELETE", f"/playbacks/{playback_id}")

    async def start_moh(self, channel_id: str, moh_class: str | None = None) -> None:
        await self.request("POST", f"/channels/{channel_id}/moh", {"mohClass": moh_class})

    async def stop_moh(self, channel_id: str) -> None:
        await self.request("DELETE", f"/channels/{channel_id}/moh")

    async def start_ringing(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/ring")

    async def snoop(
        self,
        channel_id: str,
        *,
        app: str,
        app_args: str,
        spy: str = "none",
        whisper: str = "none",
        snoop_id: str | None = None,
    ) -> Channel:
        """A channel that hears (``spy``) and/or speaks into (``whisper``) one direction of another."""
        params = {"spy": spy, "whisper": whisper, "app": app, "appArgs": app_args, "snoopId": snoop_id}
        return Channel.from_json(await self.request("POST", f"/channels/{channel_id}/snoop", params))

    # --- bridges
    async def create_bridge(
        self, bridge_type: str = "mixing", name: str = "", bridge_id: str | None = None
    ) -> Bridge:
        params = {"type": bridge_type, "name": name}
        path = f"/bridges/{bridge_id}" if bridge_id else "/bridges"
        return Bridge.from_json(await self.request("POST", path, params))

    async def get_bridge(self, bridge_id: str) -> Bridge:
        return Bridge.from_json(await self.request("GET", f"/bridges/{bridge_id}"))

    async def list_bridges(self) -> list[Bridge]:
        return [Bridge.from_json(b) for b in await self.request("GET", "/bridges")]

    async def add_to_bridge(
        self, bridge_id: str, channel_ids: Iterable[str], role: str | None = None
    ) -> None:
        await self.request(
            "POST", f"/bridges/{bridge_id}/addChannel", {"channel": list(channel_ids), "role": role}
        )

    async def remove_from_bridge(self, bridge_id: str, channel_ids: Iterable[str]) -> None:
        await self.request("POST", f"/bridges/{bridge_id}/removeChannel", {"channel": list(channel_ids)})

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self.request("DELETE", f"/bridges/{bridge_id}")

    async def record_bridge(self, bridge_id: str, name: str, fmt: str = "wav") -> LiveRecording:
        params = {"name": name, "format": fmt, "ifExists": "overwrite"}
        return LiveRecording.from_json(await self.request("POST", f"/bridges/{bridge_id}/record", params))

    async def pause_recording(self, name: str) -> None:
        await self.request("POST", f"/recordings/live/{name}/pause")

    async def unpause_recording(self, name: str) -> None:
        await self.request("DELETE", f"/recordings/live/{name}/pause")

    async def stop_recording(self, name: str) -> None:
        await self.request("POST", f"/recordings/live/{name}/stop")

    async def delete_stored_recording(self, name: str) -> None:
        await self.request("DELETE", f"/recordings/stored/{name}")

    async def list_stored_recordings(self) -> list[dict[str, Any]]:
        return list(await self.request("GET", "/recordings/stored"))
