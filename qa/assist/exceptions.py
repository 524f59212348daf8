"""Agent-assist errors: a knowledge-base file that cannot be read (InvalidInput, 422)."""

from __future__ import annotations

from config.errors import InvalidInputError


class KbFileError(InvalidInputError):
    """A knowledge-base file that cannot be read: every problem, each with its line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else "")
        super().__init__(f"{source}: {shown}")

    def public_detail(self) -> object:
        return {"message": str(self), "problems": list(self.problems)}
