"""Errors of the desk (tickets, SLA, knowledge base, alerts, webhooks); web/ maps them to HTTP.

DeskError
├── NotFoundError        no such ticket, group, task, template, policy or article   -> 404
├── InvalidInputError    a value the schema allowed but the data does not            -> 422
└── ConflictError        the request clashes with the current state                  -> 409
SignatureError           config.errors.SignatureError (signed webhooks)              -> 401

Each is based on the kind of the same name in :mod:`config.errors`, which gives it its status.
"""

from __future__ import annotations

from config import errors
from config.errors import SignatureError, VoxdeskError


class DeskError(VoxdeskError):
    """Base of every error raised by tickets.desk, .sla, .kb, .alerts and .webhooks."""


class NotFoundError(DeskError, errors.NotFoundError):
    """The object named does not exist."""


class InvalidInputError(DeskError, errors.InvalidInputError):
    """Input names something that does not exist or breaks a rule (a custom field, a user id)."""


class ConflictError(DeskError, errors.ConflictError):
    """Not possible in the current state (solving a ticket whose tasks are still open)."""


__all__ = ["ConflictError", "DeskError", "InvalidInputError", "NotFoundError", "SignatureError"]
