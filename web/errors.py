"""The one place errors become HTTP answers: each kind in :mod:`config.errors` has one status.

Routes raise domain errors and never map them; :func:`install_error_handlers` registers the handler.
The body is ``{"detail": ...}`` like FastAPI's own errors (the message, or the error's structure).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from config import errors

log = logging.getLogger(__name__)

STATUS_OF_KIND: dict[type[errors.VoxdeskError], int] = {
    errors.InvalidInputError: 422,
    errors.MalformedRequestError: 400,
    errors.UnauthorizedError: 401,
    errors.ForbiddenError: 403,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.PayloadTooLargeError: 413,
    errors.NotConfiguredError: 501,
    errors.UpstreamError: 502,
    errors.UnavailableError: 503,
}
UNEXPECTED = 500


def status_of(error_class: type[errors.VoxdeskError]) -> int:
    """The status of the class's kind: the nearest kind in its ancestry, else 500."""
    for cls in error_class.__mro__:
        if cls in STATUS_OF_KIND:
            return STATUS_OF_KIND[cls]
    return UNEXPECTED


async def voxdesk_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.VoxdeskError)
    code = status_of(type(exc))
    if code >= 500:
        log.warning("answering %d: %s: %s", code, type(exc).__name__, exc)
    # Every 401 names the scheme that would work (RFC 9110): a bearer token from /api/auth/token.
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return JSONResponse({"detail": exc.public_detail()}, status_code=code, headers=headers)


async def unstorable_value(_request: Request, _exc: Exception) -> JSONResponse:
    # The database refused a value the schema let through (an id past 32 bits, a NUL in text):
    # that is the caller's input, so 422; the session's transaction is rolled back when it closes.
    return JSONResponse({"detail": "a value is out of range or not storable"}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app`` (the app factory calls this; tests building a bare app too)."""
    app.add_exception_handler(errors.VoxdeskError, voxdesk_error)
    app.add_exception_handler(DataError, unstorable_value)
