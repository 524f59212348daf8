"""Errors of the customers feature (mapped to HTTP in web/)."""

from __future__ import annotations

from config.errors import VoxdeskError


class CustomerError(VoxdeskError):
    """Base of customer errors."""


class InvalidIdentityError(CustomerError):
    """An identifier cannot be normalised (not a phone number, not an address...)."""


class CustomerNotFoundError(CustomerError):
    """No customer with that id (or it was merged away)."""


class MergeError(CustomerError):
    """A merge or unmerge that cannot be done (same customer, already merged, nothing to undo)."""


class SuggestionNotFoundError(CustomerError):
    """No merge suggestion with that id."""
