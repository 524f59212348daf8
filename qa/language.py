"""Which language a short text is in, as far as qa/ needs to know: Chinese or not (English)."""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """``"zh"`` when Han characters outnumber Latin letters divided by four (a word), else ``"en"``."""
    han = len(_HAN.findall(text))
    latin_words = len(_LETTER.findall(text)) / 4
    return "zh" if han and han >= latin_words else "en"
