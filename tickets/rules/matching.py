"""Which rules a contact matches, and the single ticket action they add up to (pure functions)."""

from __future__ import annotations

from tickets.desk.models import PRIORITY_ORDER
from tickets.rules.model import ContactFacts, RuleConditions, RuleSet, TicketAction, TicketRule

FACT_OF_CONDITION = ("channel", "ivr_choice", "queue", "disposition", "language", "segment", "address")


def _norm(value: str) -> str:
    return value.strip().lower().replace("-", "_")


def conditions_hold(when: RuleConditions, contact: ContactFacts) -> bool:
    """Every condition given holds for the contact (a missing fact never matches a condition)."""
    for name in FACT_OF_CONDITION:
        wanted: list[str] | None = getattr(when, name)
        if wanted is None:
            continue
        fact: str | None = getattr(contact, name)
        if fact is None or _norm(fact) not in {_norm(w) for w in wanted}:
            return False
    return True


def waits_for_disposition(rule: TicketRule) -> bool:
    return rule.when.disposition is not None


def match(contact: ContactFacts, rules: RuleSet) -> list[TicketAction]:
    """The actions of the rules ``contact`` matches, in file order, up to the first with ``stop``.

    A rule that names a disposition fires only once the agent set one (``contact.disposition``); the
    others fire for a contact without one. So a call is judged twice: at hang-up by the rules without
    a disposition, and when the agent sets a disposition by the rules that name it.
    """
    actions: list[TicketAction] = []
    for rule in rules.rules:
        if waits_for_disposition(rule) != (contact.disposition is not None):
            continue
        if conditions_hold(rule.when, contact):
            actions.append(rule.then.model_copy(update={"rule": rule.name}))
            if rule.stop:
                break
    return actions


def combine(actions: list[TicketAction]) -> TicketAction | None:
    """One action for one ticket: the first rule's fields win, later rules fill gaps and add tags;
    the highest priority asked for wins."""
    if not actions:
        return None
    first = actions[0]
    fields = {name: getattr(first, name) for name in ("group", "category", "business_area", "subject")}
    tags = list(first.tags)
    priorities = [a.priority for a in actions if a.priority is not None]
    for action in actions[1:]:
        for name, value in fields.items():
            if value is None:
                fields[name] = getattr(action, name)
        tags += [t for t in action.all_tags if t not in tags and t != fields["category"]]
    priority = max(priorities, key=PRIORITY_ORDER.index) if priorities else None
    return TicketAction(
        rule=",".join(a.rule for a in actions),
        priority=priority,
        tags=tuple(tags[:10]),
        **fields,
    )
