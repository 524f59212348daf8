"""A validated flow as a graph to draw: its nodes and the edges between them, each edge saying how a
caller takes it (a DTMF key and the spoken keywords of a menu option, a failure, the next step).

The admin page draws this beside the YAML; the edges are the ones the validator follows
(:func:`telephony.ivr.graph.edges`), so the picture and the checks never disagree.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from telephony.ivr.flow import Flow
from telephony.ivr.nodes import (
    TERMINAL_TYPES,
    CallbackNode,
    MenuNode,
    Node,
    RouteQueueNode,
    TransferNode,
    VoicemailNode,
)

EdgeKind = Literal["dtmf", "next", "failure", "fallback"]
# Targets a caller reaches when something did not work out (no input, not found, closed, no answer).
FAILURE_LABELS = frozenset({"on_failure", "not_found", "closed", "fallback"})


class DiagramNode(BaseModel):
    id: str
    type: str
    terminal: bool
    detail: str = ""


class DiagramEdge(BaseModel):
    source: str
    target: str
    kind: EdgeKind
    label: str
    dtmf: str | None = None
    keywords: list[str] = []


class FlowDiagram(BaseModel):
    start: str
    fallback: str
    nodes: list[DiagramNode]
    edges: list[DiagramEdge]


def _detail(node: Node) -> str:
    """What a terminal node does, in a word: its queue, number or mailbox."""
    if isinstance(node, RouteQueueNode | CallbackNode):
        return node.queue
    if isinstance(node, TransferNode):
        return node.number
    if isinstance(node, VoicemailNode):
        return node.box
    return ""


def _edges_of(node_id: str, node: Node, fallback: str) -> list[DiagramEdge]:
    found = []
    for label, target in node.targets().items():
        if target is None:  # no target named: the flow's fallback takes the caller
            found.append(DiagramEdge(source=node_id, target=fallback, kind="fallback", label=label))
            continue
        key = label.removeprefix("option ") if label.startswith("option ") else None
        if key is not None and isinstance(node, MenuNode):
            option = node.options[key]
            found.append(DiagramEdge(source=node_id, target=target, kind="dtmf", label=option.label or key,
                                     dtmf=key, keywords=list(option.keywords)))  # fmt: skip
        else:
            kind: EdgeKind = "failure" if label in FAILURE_LABELS else "next"
            found.append(DiagramEdge(source=node_id, target=target, kind=kind, label=label))
    return found


def flow_diagram(flow: Flow) -> FlowDiagram:
    """The nodes (in file order) and every edge of ``flow``."""
    nodes = [
        DiagramNode(id=node_id, type=node.type, terminal=node.type in TERMINAL_TYPES, detail=_detail(node))
        for node_id, node in flow.nodes.items()
    ]
    edges = [edge for node_id, node in flow.nodes.items() for edge in _edges_of(node_id, node, flow.fallback)]
    return FlowDiagram(start=flow.start, fallback=flow.fallback, nodes=nodes, edges=edges)
