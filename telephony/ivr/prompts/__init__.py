"""IVR prompts synthesised offline (Piper, espeak-ng fallback) into 8 kHz WAVs Asterisk can play."""

from telephony.ivr.prompts.engines import EspeakEngine, PiperEngine, Speech, TtsEngine
from telephony.ivr.prompts.exceptions import PromptError
from telephony.ivr.prompts.flows import flow_texts, render_flow_prompts
from telephony.ivr.prompts.renderer import PromptRenderer, RenderedPrompt, prompt_key

__all__ = [
    "EspeakEngine",
    "PiperEngine",
    "PromptError",
    "PromptRenderer",
    "RenderedPrompt",
    "Speech",
    "TtsEngine",
    "flow_texts",
    "prompt_key",
    "render_flow_prompts",
]
