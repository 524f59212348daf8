"""Errors of the compliance rules and of replies checked before they are sent.

ComplianceRuleFileError (InvalidInputError -> 422)   the rules text is not valid YAML or breaks the
                                                      schema; ``problems`` lists each as "where: why"
ReplyRefusedError (InvalidInputError -> 422)         a reply breaks a "block" rule; not sent
UnacknowledgedAlertsError (ConflictError -> 409)     a reply may break "warn" rules; sent once the
                                                      agent acknowledges them
"""

from __future__ import annotations

import dataclasses

from config.errors import ConflictError, InvalidInputError
from config.rule_files import RuleFileError
from qa.compliance.model import Finding


class ComplianceRuleFileError(RuleFileError):
    """Compliance rules that cannot be used; the rules in use stay as they were."""


def _findings_detail(findings: list[Finding]) -> list[dict[str, object]]:
    return [dataclasses.asdict(f) for f in findings]


class ReplyRefusedError(InvalidInputError):
    """A reply breaks a rule whose action is "block": it is not sent (the alert is stored)."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        rules = ", ".join(f"'{f.rule_id}' ({f.severity})" for f in findings)
        super().__init__(f"the reply was not sent: it breaks the compliance rule {rules}")

    def public_detail(self) -> object:
        return {
            "message": str(self),
            "rules": [f.rule_id for f in self.findings],
            "findings": _findings_detail(self.findings),
        }


class UnacknowledgedAlertsError(ConflictError):
    """A reply may break "warn" rules: it is sent only once the agent acknowledges the alerts."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        rules = ", ".join(f"'{f.rule_id}'" for f in findings)
        super().__init__(
            f"the reply may break the compliance rule {rules}; send it again with "
            "acknowledge_alerts: true to send it anyway"
        )

    def public_detail(self) -> object:
        return {
            "message": str(self),
            "rules": [f.rule_id for f in self.findings],
            "findings": _findings_detail(self.findings),
        }
