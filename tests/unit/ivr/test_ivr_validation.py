"""Flows are refused with every problem named by node and reason."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from ivr_helpers import MAIN_FLOW, flow_from, main_flow

from telephony.ivr import IvrFlowError, parse_flow

OPERATOR = {"type": "route_queue", "queue": "general"}


def problems_of(nodes: dict[str, Any], **header: Any) -> list[str]:
    with pytest.raises(IvrFlowError) as info:
        flow_from(nodes, **header)
    return [str(problem) for problem in info.value.problems]


def test_the_default_flow_is_valid_and_uses_every_node_type_that_matters() -> None:
    flow = main_flow()
    types = {node.type for node in flow.nodes.values()}
    assert types >= {
        "play",
        "menu",
        "language",
        "collect",
        "lookup_customer",
        "lookup_order",
        "business_hours",
        "route_queue",
        "voicemail",
        "callback",
        "hangup",
    }


def test_an_unknown_node_type_is_refused_naming_the_node() -> None:
    found = problems_of({"welcome": {"type": "dance", "next": "operator"}})
    assert any(p.startswith("node 'welcome': unknown node type 'dance'") for p in found)


def test_a_missing_target_names_the_node_and_the_option() -> None:
    found = problems_of({"menu": {"type": "menu", "prompt": "Press 1", "options": {"1": {"next": "salez"}}}})
    assert "node 'menu': option 1 goes to 'salez', which is not a node" in found


def test_a_missing_required_field_names_the_node_and_field() -> None:
    found = problems_of({"welcome": {"type": "play", "next": "operator"}})
    assert any(p.startswith("node 'welcome': prompt:") for p in found)


def test_an_unknown_field_in_a_node_is_refused() -> None:
    found = problems_of({"welcome": {"type": "play", "prompt": "Hi", "next": "operator", "nxt": "x"}})
    assert "node 'welcome': nxt: unknown field" in found


def test_a_missing_start_node_is_refused() -> None:
    found = problems_of({"welcome": {"type": "play", "prompt": "Hi", "next": "operator"}}, start="hello")
    assert "start node 'hello' is not a node" in found


def test_the_fallback_must_hand_the_caller_to_a_person() -> None:
    found = problems_of(
        {"welcome": {"type": "play", "prompt": "Hi", "next": "bye"}, "bye": {"type": "hangup"}},
        fallback="bye",
    )
    assert any(p.startswith("node 'bye': is the fallback") for p in found)


def test_an_unreachable_node_is_reported() -> None:
    found = problems_of(
        {"welcome": {"type": "play", "prompt": "Hi", "next": "operator"}, "orphan": {"type": "hangup"}}
    )
    assert "node 'orphan': is never reached from the start node 'welcome'" in found


def test_a_loop_without_exit_is_refused_for_each_node_in_it() -> None:
    found = problems_of(
        {
            "a": {"type": "play", "prompt": "One", "next": "b"},
            "b": {"type": "play", "prompt": "Two", "next": "a"},
        }
    )
    assert any(p.startswith("node 'a': loop without exit") for p in found)
    assert any(p.startswith("node 'b': loop without exit") for p in found)


def test_a_menu_looping_to_itself_is_fine_because_failure_leads_to_the_fallback() -> None:
    flow = flow_from({"menu": {"type": "menu", "prompt": "Press 1", "options": {"1": {"next": "menu"}}}})
    assert flow.start == "menu"


def test_a_bad_regex_names_the_node() -> None:
    found = problems_of(
        {
            "account": {
                "type": "collect",
                "variable": "account",
                "prompt": "Account?",
                "pattern": "([0-9",
                "next": "operator",
            }
        }
    )
    assert any(p.startswith("node 'account': pattern '([0-9' is not a valid regex") for p in found)


def test_min_length_above_max_length_is_refused() -> None:
    found = problems_of(
        {
            "account": {
                "type": "collect",
                "variable": "account",
                "prompt": "Account?",
                "min_length": 8,
                "max_length": 4,
                "next": "operator",
            }
        }
    )
    assert "node 'account': min_length is greater than max_length" in found


def test_menu_option_keys_must_be_single_dtmf_keys() -> None:
    found = problems_of({"menu": {"type": "menu", "prompt": "x", "options": {"12": {"next": "operator"}}}})
    assert any("'12' is not a single DTMF key" in p and p.startswith("node 'menu'") for p in found)


def test_business_hours_with_a_bad_timezone_or_range_name_the_node() -> None:
    hours = {
        "type": "business_hours",
        "timezone": "Mars/Olympus",
        "schedule": {"mon": ["9-5"]},
        "open": "operator",
        "closed": "operator",
    }
    assert "node 'hours': unknown timezone 'Mars/Olympus'" in problems_of({"hours": hours})
    hours["timezone"] = "Europe/Paris"
    assert any("'9-5' is not a range" in p for p in problems_of({"hours": hours}))
    hours["schedule"] = {"mon": ["17:00-09:00"]}
    assert any("ends before it starts" in p for p in problems_of({"hours": hours}))


def test_business_hours_checks_looping_on_each_other_are_refused() -> None:
    common = {"timezone": "UTC", "schedule": {"mon": ["09:00-17:00"]}}
    found = problems_of(
        {
            "a": {"type": "business_hours", **common, "open": "b", "closed": "operator"},
            "b": {"type": "business_hours", **common, "open": "operator", "closed": "a"},
        }
    )
    assert "node 'a': loops back to itself through business-hours checks only" in found


def test_a_prompt_using_an_unknown_variable_is_refused() -> None:
    found = problems_of({"welcome": {"type": "play", "prompt": "Hello {custmer.name}", "next": "operator"}})
    assert "node 'welcome': prompt uses {custmer.name}, which no node sets" in found


def test_an_order_lookup_needs_a_collected_variable() -> None:
    found = problems_of(
        {
            "find": {
                "type": "lookup_order",
                "variable": "order_no",
                "found": "operator",
                "not_found": "operator",
            }
        }
    )
    assert "node 'find': variable 'order_no' is not collected by any node" in found


def test_a_language_option_must_be_a_flow_language() -> None:
    found = problems_of(
        {
            "lang": {
                "type": "language",
                "prompt": "1 or 2",
                "options": {"1": {"language": "en"}, "2": {"language": "fr"}},
                "next": "operator",
            }
        },
        languages=["en", "es"],
    )
    assert "node 'lang': option 2 picks 'fr', not a flow language" in found


def test_text_that_is_not_yaml_or_not_a_mapping_is_refused() -> None:
    with pytest.raises(IvrFlowError, match="not valid YAML"):
        parse_flow("nodes: [unclosed", "bad")
    with pytest.raises(IvrFlowError, match="must be a mapping"):
        parse_flow("- just a list", "bad")


def test_every_problem_is_reported_at_once() -> None:
    data = yaml.safe_load(MAIN_FLOW.read_text(encoding="utf-8"))
    data["nodes"]["main_menu"]["options"]["1"]["next"] = "nowhere"
    data["nodes"]["order_number"]["pattern"] = "[0-9"
    with pytest.raises(IvrFlowError) as info:
        parse_flow(yaml.safe_dump(data, allow_unicode=True), "main")
    nodes = {problem.node for problem in info.value.problems}
    assert {"main_menu", "order_number"} <= nodes
    assert "IVR flow 'main' is invalid" in str(info.value)
