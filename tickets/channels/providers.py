"""Outbound providers for SMS and messaging networks, behind one small interface."""

from __future__ import annotations

import json
import time
from typing import Protocol

import httpx

from tickets.channels.exceptions import DeliveryError
from tickets.channels.signing import webhook_signature


class MessagingProvider(Protocol):
    """Delivers a text to one recipient and returns the provider's message id."""

    def send(self, to: str, body: str) -> str: ...


class HttpMessagingProvider:
    """Generic HTTP gateway: POSTs signed JSON ``{"to", "body"}``, expects ``{"id": ...}`` back."""

    def __init__(self, url: str, secret: str, client: httpx.Client | None = None) -> None:
        self._url = url
        self._secret = secret
        self._client = client or httpx.Client(timeout=10)

    def send(self, to: str, body: str) -> str:
        payload = json.dumps({"to": to, "body": body}).encode()
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-voxdesk-timestamp": timestamp,
            "x-voxdesk-signature": webhook_signature(self._secret, timestamp, payload),
        }
        try:
            response = self._client.post(self._url, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"provider {self._url} could not be reached: {exc}") from exc
        if response.is_error:
            raise DeliveryError(
                f"provider {self._url} did not accept the message: HTTP {response.status_code} "
                f"{response.reason_phrase}"
            )
        try:
            return str(response.json().get("id", ""))
        except (ValueError, AttributeError) as exc:
            raise DeliveryError(f"provider {self._url} answered without a JSON message id") from exc
