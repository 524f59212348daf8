"""Answers that never leak: validation errors without secrets or unprintable input, 429 for throttles.

FastAPI's own 422 echoes every submitted value back, passwords included, and fails with a 500 when
the value cannot be written as JSON (``NaN``, ``1e400``, a lone UTF-16 surrogate).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from config.errors import LoginThrottledError

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


def safe_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """The validation errors with secret and unprintable inputs left out."""
    cleaned = []
    for error in errors:
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


async def login_throttled(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LoginThrottledError)
    return JSONResponse({"detail": str(exc)}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})  # fmt: skip


async def number_out_of_range(_request: Request, exc: Exception) -> JSONResponse:
    # SQLite raises OverflowError for an integer past 64 bits that a schema let through: the
    # caller's input, so 422 (ids are bounded in web/ids.py; this is the net under them).
    return JSONResponse({"detail": "a number is out of range"}, status_code=422)


def install_hardening(app: FastAPI) -> None:
    """Register the handlers above (the lead may fold them into the one error handler)."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(OverflowError, number_out_of_range)
    app.add_exception_handler(LoginThrottledError, login_throttled)
