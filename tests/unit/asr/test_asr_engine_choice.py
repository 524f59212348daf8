"""Which engine the settings choose; a plain string (as the worker's --engine passes) counts too."""

from __future__ import annotations

from pathlib import Path

from asr.engines.select import choose_engine
from config.settings import AsrSettings


def test_an_engine_named_by_a_plain_string_is_the_one_chosen(tmp_path: Path) -> None:
    settings = AsrSettings(vosk_model_path=tmp_path / "some-model").model_copy(update={"engine": "vosk"})
    choice = choose_engine(settings, tmp_path)
    assert (choice.engine, choice.model_path) == ("vosk", tmp_path / "some-model")

