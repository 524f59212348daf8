"""Checks on how a flow's nodes link up: targets exist, everything is reachable, every path ends.

"Ends" means a terminal node (queue, transfer, voicemail, callback, hang-up) can be reached from every
node, so a caller can never be trapped in a loop without an exit; a missing failure target means the
flow's fallback, which must hand the caller to a person.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from telephony.ivr.exceptions import FlowProblem
from telephony.ivr.nodes import (
    HUMAN_HANDOFF_TYPES,
    PROMPT_FIELDS,
    TERMINAL_TYPES,
    BusinessHoursNode,
    CallbackNode,
    CollectNode,
    FaqNode,
    LanguageNode,
    LookupOrderNode,
    Node,
    Prompt,
)
from telephony.ivr.templates import placeholders

BUILTIN_VARIABLES = frozenset({"caller_id", "language", "customer", "order"})


def edges(node: Node, fallback: str) -> list[str]:
    """The node ids ``node`` can lead to; ``None`` targets stand for the fallback."""
    return [target or fallback for target in node.targets().values()]


def _prompts(node: Node) -> list[Prompt]:
    found = []
    for field in PROMPT_FIELDS:
        value = getattr(node, field, None)
        if isinstance(value, Prompt):
            found.append(value)
    return found


def _check_node_refs(
    node_id: str,
    node: Node,
    nodes: Mapping[str, Node],
    ids: set[str],
    variables: set[str],
    languages: tuple[str, ...],
) -> list[FlowProblem]:
    problems = []
    for label, target in node.targets().items():
        if target is not None and target not in ids:
            problems.append(FlowProblem(node_id, f"{label} goes to {target!r}, which is not a node"))
    for prompt in _prompts(node):
        for text in (prompt.text or {}).values():
            for name in placeholders(text):
                if name.split(".")[0] not in variables:
                    problems.append(FlowProblem(node_id, f"prompt uses {{{name}}}, which no node sets"))
        for language in prompt.text or {}:
            if language != "*" and language not in languages:
                problems.append(FlowProblem(node_id, f"prompt text in {language!r}, not a flow language"))
    if isinstance(node, LanguageNode):
        for key, option in node.options.items():
            if option.language not in languages:
                problems.append(
                    FlowProblem(node_id, f"option {key} picks {option.language!r}, not a flow language")
                )
    if isinstance(node, LookupOrderNode) and node.variable not in variables:
        problems.append(FlowProblem(node_id, f"variable {node.variable!r} is not collected by any node"))
    if isinstance(node, CallbackNode) and node.number_variable not in variables:
        problems.append(
            FlowProblem(node_id, f"number_variable {node.number_variable!r} is not set by any node")
        )
    if isinstance(node, FaqNode) and node.fallback is not None:
        handoff = nodes.get(node.fallback)
        if handoff is not None and handoff.type not in HUMAN_HANDOFF_TYPES:
            problems.append(
                FlowProblem(node_id, f"fallback {node.fallback!r} must hand the caller to a person "
                                     "(route_queue or transfer)")
            )  # fmt: skip
    return problems


def _reachable(start: str, nodes: Mapping[str, Node], fallback: str) -> set[str]:
    seen = {start}
    todo = deque([start])
    while todo:
        for target in edges(nodes[todo.popleft()], fallback):
            if target in nodes and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _reaching_an_end(nodes: Mapping[str, Node], fallback: str) -> set[str]:
    incoming: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for node_id, node in nodes.items():
        for target in edges(node, fallback):
            incoming.setdefault(target, []).append(node_id)
    ends = {node_id for node_id, node in nodes.items() if node.type in TERMINAL_TYPES}
    todo = deque(ends)
    while todo:
        for source in incoming.get(todo.popleft(), []):
            if source not in ends:
                ends.add(source)
                todo.append(source)
    return ends


def _instant_cycles(nodes: Mapping[str, Node], fallback: str) -> list[FlowProblem]:
    """Business-hours checks run without waiting; a cycle of them would spin forever."""
    instant = {node_id for node_id, node in nodes.items() if isinstance(node, BusinessHoursNode)}
    problems = []
    for origin in sorted(instant):
        todo, seen = deque([origin]), set()
        while todo:
            for target in edges(nodes[todo.popleft()], fallback):
                if target == origin:
                    problems.append(
                        FlowProblem(origin, "loops back to itself through business-hours checks only")
                    )
                    todo.clear()
                    break
                if target in instant and target not in seen:
                    seen.add(target)
                    todo.append(target)
    return problems


def check_graph(
    nodes: Mapping[str, Node],
    start: str,
    fallback: str,
    languages: tuple[str, ...],
    ids: set[str],
    complete: bool,
) -> list[FlowProblem]:
    """Every linkage problem; reachability and loop checks only when every node parsed (``complete``)."""
    problems: list[FlowProblem] = []
    if start not in ids:
        problems.append(FlowProblem(None, f"start node {start!r} is not a node"))
    if fallback not in ids:
        problems.append(FlowProblem(None, f"fallback node {fallback!r} is not a node"))
    elif fallback in nodes and nodes[fallback].type not in HUMAN_HANDOFF_TYPES:
        problems.append(
            FlowProblem(
                fallback, "is the fallback, so it must hand the caller to a person (route_queue or transfer)"
            )
        )
    variables = set(BUILTIN_VARIABLES) | {n.variable for n in nodes.values() if isinstance(n, CollectNode)}
    for node_id, node in nodes.items():
        problems.extend(_check_node_refs(node_id, node, nodes, ids, variables, languages))
    if problems or not complete:
        return problems
    reachable = _reachable(start, nodes, fallback) | _reachable(fallback, nodes, fallback)
    for node_id in nodes:
        if node_id not in reachable:
            problems.append(FlowProblem(node_id, f"is never reached from the start node {start!r}"))
    ending = _reaching_an_end(nodes, fallback)
    for node_id in nodes:
        if node_id not in ending:
            problems.append(
                FlowProblem(
                    node_id,
                    "loop without exit: from here a caller never reaches a queue, transfer, voicemail, "
                    "callback or hang-up",
                )
            )
    problems.extend(_instant_cycles(nodes, fallback))
    return problems
