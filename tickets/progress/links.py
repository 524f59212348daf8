"""The customer's link to a ticket's progress: ``/track?lang=..#token=..``, signed with the web's key.

The token is the channels' signed token (:mod:`tickets.channels.signing`) with a purpose of its own,
so a chat visitor's token never opens a ticket and this one never a chat. It travels in the link's
fragment, which browsers do not send, so no access log holds it; the page hands it to the API in a
header. The copy of the message kept in the conversation leaves it out.
"""

from __future__ import annotations

from urllib.parse import urlencode

from config import errors
from tickets.channels.exceptions import SignatureError
from tickets.channels.signing import read_token, sign_token

PROGRESS_TOKEN_PURPOSE = "ticket-progress"  # noqa: S105 - a purpose label, not a secret
PROGRESS_LINK_TTL_SECONDS = 30 * 86400  # long enough to follow a ticket through a flow of weeks
TOKEN_KEPT_OUT = "(link sent to the customer only)"  # noqa: S105 - a placeholder, not a secret


class ProgressLinkError(errors.UnauthorizedError):
    """The progress link's token is forged, malformed or expired."""


def issue_progress_token(secret: str, ticket_id: int) -> str:
    return sign_token(secret, PROGRESS_TOKEN_PURPOSE, str(ticket_id), PROGRESS_LINK_TTL_SECONDS)


def ticket_of_token(secret: str, token: str) -> int:
    """The ticket id a valid, unexpired progress token names; :class:`ProgressLinkError` otherwise."""
    try:
        payload = read_token(secret, PROGRESS_TOKEN_PURPOSE, token)
    except SignatureError as exc:
        raise ProgressLinkError("this progress link is not valid or has expired") from exc
    if not (payload.isascii() and payload.isdigit()):
        raise ProgressLinkError("this progress link is not valid or has expired")
    return int(payload)


def progress_link(base_url: str, language: str, token: str) -> str:
    """The page's address with the token in its fragment and the customer's language in its query."""
    return f"{base_url.rstrip('/')}/track?{urlencode({'lang': language})}#token={token}"
