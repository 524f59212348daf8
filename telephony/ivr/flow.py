"""Parse an IVR flow from YAML into a checked, immutable :class:`Flow`, or refuse it with every problem.

A flow file looks like::

    name: main
    start: welcome
    default_language: en
    languages: [en, es]
    fallback: operator        # a route_queue/transfer node used whenever the caller gets stuck
    nodes:
      welcome: {type: play, prompt: "Thank you for calling.", next: menu}
      ...
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from config.bounded_yaml import load_bounded_yaml
from telephony.ivr.exceptions import FlowProblem, IvrFlowError
from telephony.ivr.graph import check_graph
from telephony.ivr.hours import BusinessHours
from telephony.ivr.nodes import NODE_TYPES, BusinessHoursNode, CollectNode, Node

FLOW_KEYS = frozenset({"name", "description", "start", "default_language", "languages", "fallback", "nodes"})
NODE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")
MAX_NODES = 500
_NODE_ADAPTER: TypeAdapter[Node] = TypeAdapter(Node)


@dataclass(frozen=True)
class Flow:
    """A validated flow; safe to share between sessions and threads."""

    name: str
    start: str
    default_language: str
    languages: tuple[str, ...]
    fallback: str
    nodes: Mapping[str, Node]
    hours: Mapping[str, BusinessHours]
    patterns: Mapping[str, re.Pattern[str]]
    source: str


def _describe(exc: ValidationError) -> list[str]:
    reasons = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"][1:])  # drop the type tag
        message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        reasons.append(f"{where}: {message}" if where else message)
    return reasons


def _parse_node(node_id: str, raw: Any, problems: list[FlowProblem]) -> Node | None:
    if not NODE_ID.match(node_id):
        problems.append(FlowProblem(node_id, "node ids use letters, digits, '_' and '-' (max 64)"))
        return None
    if not isinstance(raw, dict):
        problems.append(FlowProblem(node_id, f"must be a mapping with a 'type', not {type(raw).__name__}"))
        return None
    node_type = raw.get("type")
    if node_type not in NODE_TYPES:
        problems.append(
            FlowProblem(node_id, f"unknown node type {node_type!r} (known: {', '.join(NODE_TYPES)})")
        )
        return None
    try:
        return _NODE_ADAPTER.validate_python({**raw, "id": node_id})
    except ValidationError as exc:
        problems.extend(FlowProblem(node_id, reason) for reason in _describe(exc))
        return None


def _compile_extras(
    nodes: Mapping[str, Node], problems: list[FlowProblem]
) -> tuple[dict[str, BusinessHours], dict[str, re.Pattern[str]]]:
    hours: dict[str, BusinessHours] = {}
    patterns: dict[str, re.Pattern[str]] = {}
    for node_id, node in nodes.items():
        if isinstance(node, BusinessHoursNode):
            try:
                hours[node_id] = BusinessHours.build(node.timezone, node.schedule, node.holidays)
            except ValueError as exc:
                problems.append(FlowProblem(node_id, str(exc)))
        elif isinstance(node, CollectNode):
            if node.min_length > node.max_length:
                problems.append(FlowProblem(node_id, "min_length is greater than max_length"))
            if node.terminator is not None and node.terminator not in ("#", "*"):
                problems.append(FlowProblem(node_id, "terminator must be '#' or '*'"))
            if node.pattern is not None:
                try:
                    patterns[node_id] = re.compile(node.pattern)
                except re.error as exc:
                    problems.append(
                        FlowProblem(node_id, f"pattern {node.pattern!r} is not a valid regex: {exc}")
                    )
    return hours, patterns


def _check_header(data: dict[str, Any], problems: list[FlowProblem]) -> None:
    for key in sorted(set(data) - FLOW_KEYS, key=str):  # YAML keys may be numbers, dates, None
        problems.append(
            FlowProblem(None, f"unknown flow key {key!r} (known: {', '.join(sorted(FLOW_KEYS))})")
        )
    for key in ("start", "fallback"):
        if not isinstance(data.get(key), str):
            problems.append(FlowProblem(None, f"'{key}' must name a node"))
    languages = data.get("languages", [data.get("default_language", "en")])
    if not isinstance(languages, list) or not all(
        isinstance(x, str) and LANGUAGE.match(x) for x in languages
    ):
        problems.append(FlowProblem(None, "'languages' must be a list of language codes like 'en' or 'es'"))
    elif data.get("default_language", "en") not in languages:
        problems.append(FlowProblem(None, "'default_language' must be one of 'languages'"))


def parse_flow(text: str, name: str) -> Flow:
    """Parse and check a flow.

    Raises:
        IvrFlowError: every problem found, each naming its node and the reason.
    """
    try:
        data = load_bounded_yaml(text)
    except yaml.YAMLError as exc:
        raise IvrFlowError(name, [FlowProblem(None, f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise IvrFlowError(name, [FlowProblem(None, "a flow must be a mapping with 'start' and 'nodes'")])
    problems: list[FlowProblem] = []
    _check_header(data, problems)
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        problems.append(FlowProblem(None, "'nodes' must be a non-empty mapping of node id -> node"))
        raise IvrFlowError(name, problems)
    if len(raw_nodes) > MAX_NODES:
        raise IvrFlowError(name, [FlowProblem(None, f"too many nodes (max {MAX_NODES})")])
    nodes: dict[str, Node] = {}
    for node_id, raw in raw_nodes.items():
        node = _parse_node(str(node_id), raw, problems)
        if node is not None:
            nodes[str(node_id)] = node
    hours, patterns = _compile_extras(nodes, problems)
    default_language = str(data.get("default_language", "en"))
    raw_languages = data.get("languages")  # _check_header has refused anything but a list
    languages = tuple(raw_languages) if isinstance(raw_languages, list) and raw_languages else ()
    languages = languages or (default_language,)
    if not any(p.node is None for p in problems):
        complete = len(nodes) == len(raw_nodes)
        problems.extend(
            check_graph(
                nodes,
                str(data["start"]),
                str(data["fallback"]),
                languages,
                set(map(str, raw_nodes)),
                complete,
            )
        )
    if problems:
        raise IvrFlowError(name, problems)
    return Flow(
        name=name,
        start=str(data["start"]),
        default_language=default_language,
        languages=languages,
        fallback=str(data["fallback"]),
        nodes=MappingProxyType(nodes),
        hours=MappingProxyType(hours),
        patterns=MappingProxyType(patterns),
        source=text,
    )
