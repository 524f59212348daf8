"""The one place errors become HTTP answers: each kind in :mod:`config.errors` has one status.

Routes raise domain errors and never map them; :func:`install_error_handlers` registers the handler.
The body is ``{"detail": ...}`` like FastAPI's own errors (the message, or the error's structure).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
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
    errors.RangeNotSatisfiableError: 416,
    errors.TooManyRequestsError: 429,
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
    # Every 401 names the scheme that would work (RFC 9110): a bearer token from /api/auth/token;
    # a 429 says when to come back, a 416 how long the file is.
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    if isinstance(exc, errors.TooManyRequestsError):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, errors.RangeNotSatisfiableError):  # RFC 9110: the length a range must fit
        headers = {"Content-Range": f"bytes */{exc.size}"}
    return JSONResponse({"detail": exc.public_detail()}, status_code=code, headers=headers)


async def unstorable_value(_request: Request, _exc: Exception) -> JSONResponse:
    # The database refused a value the schema let through (an id past 32 bits, a NUL in text):
    # that is the caller's input, so 422; the session's transaction is rolled back when it closes.
    return JSONResponse({"detail": "a value is out of range or not storable"}, status_code=422)


async def number_out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
    # SQLite raises OverflowError for an integer past 64 bits that a schema let through: the
    # caller's input, so 422 (ids are bounded in web/ids.py; this is the net under them).
    return JSONResponse({"detail": "a number is out of range"}, status_code=422)


# FastAPI's own 422 echoes every submitted value back, passwords included, and fails with a 500 when
# the value cannot be written as JSON (NaN, 1e400, a lone UTF-16 surrogate): these answers never do.
SECRET_FIELD_WORDS = ("password", "secret", "token", "ha1", "passcode", "api_key")


def _is_secret(location: tuple[Any, ...] | list[Any]) -> bool:
    return any(isinstance(part, str) and any(w in part.lower() for w in SECRET_FIELD_WORDS)
               for part in location)  # fmt: skip


def _printable(value: Any) -> bool:
    """True when ``value`` can be written as strict UTF-8 JSON."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
            return False
        return True
    if isinstance(value, dict):
        return all(_printable(k) and _printable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_printable(v) for v in value)
    return value is None or isinstance(value, bool | int)


def _contains_secret_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_is_secret([k]) or _contains_secret_key(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_secret_key(v) for v in value)
    return False


def safe_errors(problems: list[Any]) -> list[dict[str, Any]]:
    """The validation errors with secret and unprintable inputs left out."""
    cleaned = []
    for error in problems:
        item = {key: value for key, value in dict(error).items() if key not in {"input", "ctx", "url"}}
        value = error.get("input")
        if not _is_secret(error.get("loc", ())) and not _contains_secret_key(value) and _printable(value):
            item["input"] = value
        context = error.get("ctx")
        if isinstance(context, dict):  # e.g. {"pattern": ...}; an exception object becomes its text
            item["ctx"] = {k: v if _printable(v) else str(v) for k, v in context.items()}
        cleaned.append(jsonable_encoder(item))
    return cleaned


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": safe_errors(list(exc.errors()))}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app`` (the app factory calls this; tests building a bare app too)."""
    app.add_exception_handler(errors.VoxdeskError, voxdesk_error)
    app.add_exception_handler(DataError, unstorable_value)
    app.add_exception_handler(OverflowError, number_out_of_range)
    app.add_exception_handler(RequestValidationError, validation_error)
