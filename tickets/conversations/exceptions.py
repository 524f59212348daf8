"""Errors of the conversations feature."""

from __future__ import annotations

from config import errors
from config.errors import VoxdeskError


class ConversationError(VoxdeskError):
    """Base of conversation errors."""


class ConversationNotFoundError(ConversationError, errors.NotFoundError):
    """No conversation with that id (or not visible to the caller)."""


class InvalidMessageError(ConversationError, errors.InvalidInputError):
    """A message that cannot be stored (empty, too long, closed conversation)."""


class InvalidSearchError(ConversationError, errors.InvalidInputError):
    """A search without a usable phrase (empty, only punctuation, too long)."""
