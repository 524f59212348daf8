"""Admin routing rules: matching, defaults, and YAML validation naming the rule or queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import (
    CallContext,
    RoutingConfigError,
    parse_queues,
    parse_rules,
    route_call,
)
from telephony.admin_config import load_routing_config

CONFIG = load_routing_config()  # the packaged files (read by telephony; routing does no I/O)
MONDAY_NOON = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def test_the_shipped_configuration_loads() -> None:
    assert {"general", "sales", "billing", "support", "priority"} <= set(CONFIG.queues)
    assert CONFIG.queues["sales"].overflow_queue == "general"


def test_a_vip_caller_goes_to_the_priority_queue_whatever_they_chose() -> None:
    decision = route_call(CallContext(MONDAY_NOON, ivr_choice="sales", vip=True), CONFIG.rules)
    assert (decision.queue, decision.priority, decision.rule) == ("priority", 10, "vip-callers")


def test_an_enterprise_customer_choosing_billing_gets_priority_and_an_expert() -> None:
    call = CallContext(MONDAY_NOON, ivr_choice="billing", segment="enterprise", skills=(("billing", 1),))
    decision = route_call(call, CONFIG.rules)
    assert (decision.queue, decision.priority, decision.skills) == ("billing", 5, (("billing", 3),))


def test_a_spanish_speaker_goes_to_the_spanish_queue() -> None:
    assert route_call(CallContext(MONDAY_NOON, language="es"), CONFIG.rules).queue == "spanish"


def test_time_of_day_rules_apply_only_in_their_window() -> None:
    evening = datetime(2025, 3, 3, 18, 30, tzinfo=UTC)  # 18:30 in London
    assert route_call(CallContext(evening, ivr_choice="sales"), CONFIG.rules).rule == "late-sales-to-general"
    assert route_call(CallContext(MONDAY_NOON, ivr_choice="sales"), CONFIG.rules).rule is None


def test_without_a_matching_rule_the_ivr_queue_or_the_default_is_used() -> None:
    call = CallContext(MONDAY_NOON, ivr_choice="sales", requested_queue="sales", priority=1)
    assert route_call(call, CONFIG.rules).queue == "sales"
    assert route_call(CallContext(MONDAY_NOON), CONFIG.rules).queue == "general"


QUEUES = parse_queues("queues: {general: {}, night: {}}")


def test_a_window_wrapping_past_midnight_belongs_to_the_day_it_starts() -> None:
    rules = parse_rules(
        """
default_queue: general
rules:
  - name: friday-night
    when: {time: {days: [fri], between: "22:00-06:00", timezone: UTC}}
    queue: night
""",
        QUEUES,
    )
    at = lambda *a: route_call(CallContext(datetime(*a, tzinfo=UTC)), rules).queue  # noqa: E731
    assert at(2025, 3, 7, 23, 0) == "night"  # Friday 23:00
    assert at(2025, 3, 8, 5, 0) == "night"  # Saturday 05:00, still Friday night
    assert at(2025, 3, 8, 23, 0) == "general"  # Saturday night
    assert at(2025, 3, 7, 5, 0) == "general"  # Friday early morning belongs to Thursday night


def test_a_rule_naming_an_unknown_queue_is_refused_with_its_name() -> None:
    with pytest.raises(RoutingConfigError) as info:
        parse_rules("default_queue: general\nrules:\n  - {name: vip, when: {vip: true}, queue: vipp}", QUEUES)
    assert info.value.problems == ("rule 'vip': queue 'vipp' is not a queue",)


def test_rule_errors_name_the_rule_and_the_field() -> None:
    text = """
default_queue: nowhere
rules:
  - {name: a, when: {colour: red}, queue: general}
  - {name: b, when: {time: {between: "9-5"}}, queue: general}
  - {name: b, queue: general, skills: {sales: 11}}
  - {queue: general}
"""
    with pytest.raises(RoutingConfigError) as info:
        parse_rules(text, QUEUES)
    problems = info.value.problems
    assert "default_queue 'nowhere' is not a queue" in problems
    assert "rule 'a': when.colour: unknown field" in problems
    assert "rule 'b': time 'between' '9-5' is not like '09:00-17:30'" in problems
    assert "rule 'b': the name is used twice" in problems
    assert "rule 'b': skill 'sales' level 11 is outside 1..10" in problems
    assert "rule #4: name: Field required" in problems


def test_queue_errors_name_the_queue() -> None:
    text = """
queues:
  a: {overflow: {after: 10, to: b}}
  b: {overflow: {after: 10, to: a}}
  c: {strategy: skills}
  d: {overflow: {after: 5, to: zz}, strategy: fastest}
"""
    with pytest.raises(RoutingConfigError) as info:
        parse_queues(text)
    problems = info.value.problems
    assert "queue 'a': overflow loops a -> b -> a" in problems
    assert "queue 'c': strategy 'skills' needs at least one required skill" in problems
    assert any(p.startswith("queue 'd': strategy:") for p in problems)


def test_broken_yaml_is_refused() -> None:
    with pytest.raises(RoutingConfigError, match="not valid YAML"):
        parse_queues("queues: {a: [")


CHOICES = st.sampled_from([None, "sales", "billing", "order_status", "agent"])


@given(
    choice=CHOICES,
    segment=st.sampled_from([None, "enterprise", "consumer"]),
    vip=st.booleans(),
    language=st.sampled_from(["en", "es"]),
    hour=st.integers(0, 23),
    weekday=st.integers(3, 9),
)
def test_the_rule_index_gives_the_same_answer_as_trying_every_rule(
    choice: str | None, segment: str | None, vip: bool, language: str, hour: int, weekday: int
) -> None:
    call = CallContext(datetime(2025, 3, weekday, hour, 15, tzinfo=UTC), choice, segment, vip, language)
    first = next((rule for rule in CONFIG.rules.rules if rule.matches(call)), None)
    assert route_call(call, CONFIG.rules).rule == (first.name if first else None)
