"""Prompt rendering with a fake engine at the TtsEngine interface: caching, fallback, audio format."""

from __future__ import annotations

import wave
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from ivr_helpers import main_flow

from telephony.ivr.prompts import PromptError, PromptRenderer, Speech, flow_texts, render_flow_prompts


class ToneEngine:
    """Says every text as a 440 Hz tone at 22.05 kHz; counts calls."""

    def __init__(
        self, voice: str = "tone", languages: tuple[str, ...] = ("en", "es"), fail: bool = False
    ) -> None:
        self.voice, self.languages, self.fail, self.calls = voice, languages, fail, 0

    def voice_id(self, language: str) -> str | None:
        return f"{self.voice}:{language}" if language in self.languages else None

    def synthesize(self, text: str, language: str) -> Speech:
        self.calls += 1
        if self.fail:
            raise PromptError("engine broke")
        t = np.arange(int(22050 * 0.5)) / 22050
        return Speech((np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16), 22050)


def test_a_prompt_is_written_as_8khz_mono_16bit_and_named_for_asterisk(tmp_path: Path) -> None:
    renderer = PromptRenderer(tmp_path, asterisk_dir=PurePosixPath("/var/lib/asterisk/sounds/voxdesk"),
                              engines=[ToneEngine()])  # fmt: skip
    prompt = renderer.render("Hello  there.", "en")
    with wave.open(str(prompt.path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getnframes() == 4000
    assert prompt.media == f"sound:/var/lib/asterisk/sounds/voxdesk/{prompt.path.stem}"
    assert prompt.synthesised


def test_the_same_text_voice_and_language_comes_from_the_cache(tmp_path: Path) -> None:
    engine = ToneEngine()
    renderer = PromptRenderer(tmp_path, engines=[engine])
    first = renderer.render("Hello.", "en")
    again = renderer.render("Hello.", "en")
    assert again.path == first.path and not again.synthesised and engine.calls == 1
    assert renderer.render("Hello.", "es").path != first.path
    assert renderer.render("Hello!", "en").path != first.path


def test_when_the_first_engine_fails_or_lacks_the_language_the_next_one_speaks(tmp_path: Path) -> None:
    broken, fallback = ToneEngine("piper", fail=True), ToneEngine("espeak")
    renderer = PromptRenderer(tmp_path, engines=[broken, fallback])
    assert renderer.render("Hello.", "en").voice == "espeak:en"
    only_english = ToneEngine("piper", languages=("en",))
    assert (
        PromptRenderer(tmp_path, engines=[only_english, fallback]).render("Hola.", "es").voice == "espeak:es"
    )


def test_no_engine_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="no engine could say"):
        PromptRenderer(tmp_path, engines=[ToneEngine(fail=True)]).render("Hello.", "en")
    with pytest.raises(PromptError, match=r"1\.\.2000 characters"):
        PromptRenderer(tmp_path, engines=[ToneEngine()]).render("   ", "en")


def test_every_fixed_prompt_of_the_default_flow_is_rendered_in_each_language(tmp_path: Path) -> None:
    flow = main_flow()
    texts = flow_texts(flow)
    assert ("Thank you for calling Voxdesk.", "en") in texts
    assert ("Le pasamos con facturación.", "es") in texts
    assert not any("{" in text for text, _ in texts)  # prompts with variables are rendered per call
    engine = ToneEngine()
    rendered = render_flow_prompts(flow, tmp_path, PromptRenderer(tmp_path, engines=[engine]))
    assert set(rendered) == texts and engine.calls == len(texts)
    assert all(p.path.exists() for p in rendered.values())


def test_an_ivr_play_becomes_an_ari_media_uri(tmp_path: Path) -> None:
    renderer = PromptRenderer(tmp_path, asterisk_dir=PurePosixPath("/sounds/vd"), engines=[ToneEngine()])
    assert renderer.media(text=None, sound="hello-world", language="en") == "sound:hello-world"
    media = renderer.media(text="Hello.", sound=None, language="en")
    assert media == renderer.render("Hello.", "en").media and media.startswith("sound:/sounds/vd/")
