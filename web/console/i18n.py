"""Console strings in English and Chinese: one catalogue per language, merged from per-page files.

The language is the ``voxdesk_lang`` cookie (set by the switch) or else the best match in the
browser's ``Accept-Language``; English when neither names a language we have.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import HTTPConnection

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "voxdesk_lang"
LOCALES = Path(__file__).parent / "locales"
# The locale name the browser's Intl formatters get for each language (dates, numbers, phones).
INTL_LOCALE = {"en": "en-US", "zh": "zh-CN"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every string of ``language``: ``{"page.key": "text"}`` from ``locales/<language>/*.json``."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / language).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path.name}: key {key!r} is defined twice in {language}")
            merged[key] = text
    return merged


def _from_accept_language(header: str) -> str | None:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            weighted.append((-quality, position, primary))
    return min(weighted)[2] if weighted else None


def choose_language(connection: HTTPConnection) -> str:
    chosen = connection.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return _from_accept_language(connection.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


class Translator:
    """``t("login.title")`` in templates; ``{name}`` placeholders are filled from keyword arguments.
    A key missing from the catalogue shows as the key itself, so a page never breaks on it (a unit
    test keeps both catalogues complete)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.strings = catalogue(language)

    def __call__(self, key: str, **params: object) -> str:
        text = self.strings.get(key, key)
        return text.format(**params) if params else text

    def subset(self, prefix: str) -> dict[str, str]:
        """The strings a page's script needs, handed to it as JSON (``common.`` ones always)."""
        return {k: v for k, v in self.strings.items() if k.startswith((prefix, "common."))}
