"""Errors of the desk (tickets, SLA, knowledge base, alerts, webhooks); web/ maps them to HTTP.

DeskError
├── NotFoundError        no such ticket, group, task, template, policy or article   -> 404
├── InvalidInputError    a value the schema allowed but the data does not            -> 422
├── ConflictError        the request clashes with the current state                  -> 409
└── SignatureError       a signed webhook whose signature or timestamp is wrong      -> 401
"""

from __future__ import annotations

from config.errors import VoxdeskError


class DeskError(VoxdeskError):
    """Base of every error raised by tickets.desk, .sla, .kb, .alerts and .webhooks."""


class NotFoundError(DeskError):
    """The object named does not exist."""


class InvalidInputError(DeskError):
    """Input names something that does not exist or breaks a rule (a custom field, a user id)."""


class ConflictError(DeskError):
    """Not possible in the current state (solving a ticket whose tasks are still open)."""


class SignatureError(DeskError):
    """A webhook's HMAC signature or timestamp does not check out; nothing is stored."""
