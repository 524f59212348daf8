"""Errors of the ticket rules; they are desk errors, so the desk's HTTP mapping applies.

RuleFileError (InvalidInputError -> 422)   the rules text is not valid YAML or breaks the schema;
                                            ``problems`` lists each one as "where: why"
"""

from __future__ import annotations

from tickets.desk.exceptions import InvalidInputError


class RuleFileError(InvalidInputError):
    """Ticket rules that cannot be used; the file in use stays as it was."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "; ".join(self.problems)
        super().__init__(f"{message}: {detail}" if detail else message)
        self.summary = message

    def public_detail(self) -> object:
        return {"message": self.summary, "problems": self.problems or [str(self)]}
