"""The flow diagram the admin page draws: every node once, every edge the validator follows, each
menu option with its DTMF key and spoken keywords, a missing target drawn to the fallback."""

from __future__ import annotations

from ivr_helpers import flow_from, main_flow

from telephony.ivr.diagram import flow_diagram
from telephony.ivr.graph import edges


def test_the_default_flow_draws_every_node_and_every_edge_the_validator_follows() -> None:
    flow = main_flow()
    diagram = flow_diagram(flow)
    assert [n.id for n in diagram.nodes] == list(flow.nodes)
    assert (diagram.start, diagram.fallback) == ("welcome", "operator")
    drawn = sorted((e.source, e.target) for e in diagram.edges)
    followed = sorted(
        (node_id, target) for node_id, node in flow.nodes.items() for target in edges(node, flow.fallback)
    )
    assert drawn == followed
    terminal = {n.id: n.detail for n in diagram.nodes if n.terminal}
    assert terminal["operator"] == "general" and "welcome" not in terminal


def test_a_menu_option_carries_its_key_label_and_keywords_and_failures_are_marked() -> None:
    flow = flow_from(
        {
            "menu": {
                "type": "menu",
                "prompt": "Press 1 for billing.",
                "options": {"1": {"next": "billing", "keywords": ["billing", "invoice"], "label": "billing"}},
            },
            "billing": {"type": "route_queue", "queue": "billing"},
        }
    )
    diagram = flow_diagram(flow)
    option, failure = diagram.edges
    assert (option.kind, option.dtmf, option.label, option.keywords) == (
        "dtmf",
        "1",
        "billing",
        ["billing", "invoice"],
    )
    assert (option.source, option.target) == ("menu", "billing")
    # no on_failure named: the flow's fallback takes the caller
    assert (failure.kind, failure.label, failure.target) == ("fallback", "on_failure", "operator")
