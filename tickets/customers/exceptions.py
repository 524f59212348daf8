"""Errors of the customers feature, each based on its kind in :mod:`config.errors`."""

from __future__ import annotations

from config import errors
from config.errors import VoxdeskError


class CustomerError(VoxdeskError):
    """Base of customer errors."""


class InvalidIdentityError(CustomerError, errors.InvalidInputError):
    """An identifier cannot be normalised (not a phone number, not an address...)."""


class CustomerNotFoundError(CustomerError, errors.NotFoundError):
    """No customer with that id (or it was merged away)."""


class MergeError(CustomerError, errors.ConflictError):
    """A merge or unmerge that cannot be done (same customer, already merged, nothing to undo)."""


class SuggestionNotFoundError(CustomerError, errors.NotFoundError):
    """No merge suggestion with that id."""
