"""HMAC-SHA256 signatures for webhooks in both directions (alerts in, ticket events out).

The signed message is ``"<unix timestamp>." + body``; the header carries ``sha256=<hex>``. A
receiver refuses a timestamp outside its tolerance, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

from tickets.desk.exceptions import SignatureError

SIGNATURE_HEADER = "X-Voxdesk-Signature"
TIMESTAMP_HEADER = "X-Voxdesk-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """The request's timestamp when the signature is right and fresh.

    Raises:
        SignatureError: missing headers, a stale or future timestamp, or a wrong signature.
    """
    if not timestamp_header or not signature_header:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be a unix time in seconds") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"timestamp is more than {tolerance} s away from now (replayed or clock skew)")
    # bytes: compare_digest refuses a str with non-ASCII characters, and a header may hold any
    given = signature_header.strip().encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), given):
        raise SignatureError("signature does not match the body")
    return timestamp
