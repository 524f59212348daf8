"""HMAC helpers shared by channels: webhook signatures and short signed tokens.

Every comparison is constant-time (``hmac.compare_digest``) so timing says nothing about a secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from tickets.channels.exceptions import SignatureError

WEBHOOK_TOLERANCE_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _raw(text: str) -> bytes:
    """``text`` as bytes for ``compare_digest``, which refuses a ``str`` with non-ASCII characters."""
    return text.encode("utf-8", "surrogatepass")


def sign_token(secret: str, purpose: str, payload: str, ttl_seconds: int, now: float | None = None) -> str:
    """``payload.expiry.signature``; ``purpose`` keeps a chat token from passing as a survey token."""
    if "." in payload:
        raise ValueError("payload must not contain '.'")
    expiry = int((now or time.time()) + ttl_seconds)
    body = f"{payload}.{expiry}"
    mac = hmac.new(secret.encode(), f"{purpose}:{body}".encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def read_token(secret: str, purpose: str, token: str, now: float | None = None) -> str:
    """The payload of a valid, unexpired token; :class:`SignatureError` otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 512:
        raise SignatureError("malformed token")
    payload, expiry, signature = parts
    mac = hmac.new(secret.encode(), f"{purpose}:{payload}.{expiry}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(_b64(mac).encode(), _raw(signature)):
        raise SignatureError("token signature does not match")
    if not (expiry.isascii() and expiry.isdigit()) or int(expiry) < (now or time.time()):
        raise SignatureError("token has expired")
    return payload


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``timestamp.body`` (the timestamp stops replays of old requests)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise :class:`SignatureError` unless the signature is right and the timestamp is fresh."""
    if not timestamp or not signature:
        raise SignatureError("missing signature or timestamp header")
    # isascii: str.isdigit() is true for '²', which int() refuses
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise SignatureError("timestamp is missing, malformed or more than 5 minutes off")
    if abs(int(timestamp) - (now or time.time())) > WEBHOOK_TOLERANCE_SECONDS:
        raise SignatureError("timestamp is missing, malformed or more than 5 minutes off")
    expected = webhook_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), _raw(signature.strip().lower())):
        raise SignatureError("signature does not match the body")
