"""Pre-rendering every fixed prompt of an IVR flow, so callers never wait for synthesis."""

from __future__ import annotations

from pathlib import Path

from telephony.ivr.flow import Flow
from telephony.ivr.nodes import NO_INPUT, NO_MATCH, PROMPT_FIELDS, Prompt
from telephony.ivr.prompts.renderer import PromptRenderer, RenderedPrompt
from telephony.ivr.templates import placeholders


def flow_texts(flow: Flow) -> set[tuple[str, str]]:
    """(text, language) of every prompt without placeholders, in every language a caller may hear it."""
    found: set[tuple[str, str]] = set()
    for node in flow.nodes.values():
        prompts = [getattr(node, name, None) for name in PROMPT_FIELDS]
        for prompt in [p for p in prompts if isinstance(p, Prompt)] + [NO_INPUT, NO_MATCH]:
            if prompt.text is None:
                continue
            for language in flow.languages:
                text = prompt.text_for(language, flow.default_language)
                spoken_in = (
                    language if language in prompt.text or "*" in prompt.text else flow.default_language
                )
                if text and not placeholders(text):
                    found.add((text, spoken_in))
    return found


def render_flow_prompts(
    flow: Flow, cache_dir: Path, renderer: PromptRenderer | None = None
) -> dict[tuple[str, str], RenderedPrompt]:
    """Synthesise (or find cached) every fixed prompt of ``flow``; keyed by (text, language)."""
    renderer = renderer or PromptRenderer(cache_dir)
    return {key: renderer.render(*key) for key in sorted(flow_texts(flow))}
