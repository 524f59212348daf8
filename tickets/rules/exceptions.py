"""Errors of the ticket rules; they are desk errors, so the desk's HTTP mapping applies.

RuleFileError (InvalidInputError -> 422)   the rules text is not valid YAML or breaks the schema;
                                            ``problems`` lists each one as "where: why"
"""

from __future__ import annotations

from config.rule_files import RuleFileError as RuleFileErrorBase
from tickets.desk.exceptions import InvalidInputError


class RuleFileError(RuleFileErrorBase, InvalidInputError):
    """Ticket rules that cannot be used; the file in use stays as it was."""
