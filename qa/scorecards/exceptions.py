"""Scorecard errors, each under its kind in :mod:`config.errors` (one HTTP status per kind)."""

from __future__ import annotations

from config.errors import ForbiddenError, InvalidInputError, NotFoundError


class ScorecardNotFoundError(NotFoundError):
    """No such scorecard, or one the asker may not see (ids reveal nothing)."""


class ScorecardWriteForbiddenError(ForbiddenError):
    """The asker sees the scorecard but their role may not review it or coach on it."""


class InvalidReviewError(InvalidInputError):
    """A review names an item the scorecard does not have."""
