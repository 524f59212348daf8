"""The official Vosk models ``voxdesk models pull`` knows, by name.

URLs are ``<base_url>/<name>.zip`` (base from settings ``asr.models_base_url``, default the Vosk
site; point it at a local mirror on machines without internet). ``sha256`` is checked when known;
alphacephei publishes no SHA-256 sums, so an admin can pin one per model in a catalogue file
(``--catalogue``: a JSON list of entries with the same keys) or pass ``--sha256``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from asr.exceptions import ModelDownloadError


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    name: str
    language: str
    size_mb: int
    note: str = ""
    sha256: str | None = None
    url: str | None = None  # absolute URL; overrides base_url/<name>.zip

    def url_from(self, base_url: str) -> str:
        return self.url or f"{base_url.rstrip('/')}/{self.name}.zip"


OFFICIAL_MODELS: tuple[CatalogueEntry, ...] = (
    CatalogueEntry("vosk-model-small-en-us-0.15", "en", 40, "light US English, ~10% WER on LibriSpeech"),
    CatalogueEntry("vosk-model-en-us-0.22-lgraph", "en", 128, "US English, dynamic graph (grammar mode)"),
    CatalogueEntry("vosk-model-en-us-0.22", "en", 1800, "large US English; needs ~6 GB RAM"),
    CatalogueEntry("vosk-model-small-en-in-0.4", "en", 36, "Indian English"),
    CatalogueEntry("vosk-model-small-de-0.15", "de", 45, "German"),
    CatalogueEntry("vosk-model-small-fr-0.22", "fr", 41, "French"),
    CatalogueEntry("vosk-model-small-es-0.42", "es", 39, "Spanish"),
    CatalogueEntry("vosk-model-small-ko-0.22", "ko", 82, "Korean"),
    CatalogueEntry("vosk-model-small-cn-0.22", "cn", 42, "Chinese"),
)


def load_catalogue(path: Path | None = None) -> dict[str, CatalogueEntry]:
    """The built-in catalogue, or entries read from a JSON file."""
    if path is None:
        return {entry.name: entry for entry in OFFICIAL_MODELS}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return {row["name"]: CatalogueEntry(**row) for row in rows}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelDownloadError(f"catalogue {path} is unreadable: {exc}", recoverable=False) from exc
