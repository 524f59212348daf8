"""Errors of the compliance rules.

ComplianceRuleFileError (InvalidInputError -> 422)   the rules text is not valid YAML or breaks the
                                                      schema; ``problems`` lists each as "where: why"
"""

from __future__ import annotations

from config.errors import InvalidInputError


class ComplianceRuleFileError(InvalidInputError):
    """Compliance rules that cannot be used; the rules in use stay as they were."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "; ".join(self.problems)
        super().__init__(f"{message}: {detail}" if detail else message)
        self.summary = message

    def public_detail(self) -> object:
        return {"message": self.summary, "problems": self.problems or [str(self)]}
