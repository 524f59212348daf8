"""YAML for the files admins edit through the API (IVR flows, routing and ticket rules), with bounds.

``yaml.safe_load`` builds no objects, but it still recurses once per nesting level (``[[[[...``
ten thousand deep is a ``RecursionError``), and aliases share nodes, so a few lines can stand for
billions of items once a validator walks them ("billion laughs"). :func:`load_bounded_yaml` refuses
both with a :class:`yaml.YAMLError`, the error every loader already turns into its own.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_DEPTH = 64  # the deepest shipped file nests 6 levels
MAX_EXPANDED_NODES = 200_000  # nodes once every alias is followed; the shipped IVR flow has about 900


class _BoundedLoader(yaml.SafeLoader):
    """A safe loader that counts nesting while it composes and expanded size before it constructs."""

    depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_document(self, node: Node) -> Any:
        _check_expanded_size(node)
        return super().construct_document(node)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expanded_size(root: Node) -> None:
    """Refuse a document whose aliases loop or expand past :data:`MAX_EXPANDED_NODES` nodes."""
    sizes: dict[int, int] = {}
    # Post-order walk without recursion; composition already bounded the depth.
    stack: list[tuple[Node, frozenset[int]]] = [(root, frozenset())]
    while stack:
        node, ancestors = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        pending = [c for c in _children(node) if id(c) not in sizes]
        if not pending:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise ComposerError(
                    None, None, f"aliases expand past {MAX_EXPANDED_NODES} nodes", node.start_mark
                )
            stack.pop()
            continue
        inner = ancestors | {id(node)}
        for child in pending:
            if id(child) in inner:
                raise ComposerError(None, None, "an alias refers to itself", child.start_mark)
            stack.append((child, inner))


def load_bounded_yaml(text: str) -> Any:
    """Parse ``text`` like ``yaml.safe_load``; :class:`yaml.YAMLError` when it is invalid or too big."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - _BoundedLoader is a SafeLoader
    except ValueError as exc:  # PyYAML builds 2021-02-30 as a date and lets datetime's ValueError out
        raise ConstructorError(None, None, f"not a valid value: {exc}") from None
