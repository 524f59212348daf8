"""Search text that works the same for spaced languages and for Chinese/Japanese/Korean.

CJK text has no spaces between words, so a word tokenizer sees a whole sentence as one token. We
index every CJK run as single characters plus overlapping character bigrams, and Latin/digit runs
as lower-cased words. A query is tokenised the same way and every token must match, so a
two-character Chinese word matches exactly where it appears. The result is one space-separated
string stored in a derived column; PostgreSQL turns it into a ``tsvector`` without its word parser
(``array_to_tsvector``) and SQLite feeds it to FTS5, so both backends agree on what matches.
"""

from __future__ import annotations

import re
import unicodedata

# Han, Hiragana, Katakana, Hangul and CJK compatibility/extension blocks.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ebef"
_TOKEN_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_CJK_RUN = re.compile(rf"[{_CJK}]+")
MAX_TOKEN_CHARS = 60  # longer "words" (hashes, base64) are noise and would bloat the index


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _cjk_tokens(run: str, *, with_unigrams: bool) -> list[str]:
    if len(run) == 1:
        return [run]
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*run, *bigrams] if with_unigrams else bigrams


def index_tokens(text: str) -> list[str]:
    """Tokens to store for a document: words, CJK characters and CJK bigrams (deduplicated)."""
    seen: dict[str, None] = {}
    for run in _TOKEN_RUN.findall(_normalise(text)):
        if _CJK_RUN.fullmatch(run):
            for token in _cjk_tokens(run, with_unigrams=True):
                seen.setdefault(token, None)
        elif len(run) <= MAX_TOKEN_CHARS:
            seen.setdefault(run, None)
    return list(seen)


def query_tokens(text: str) -> list[str]:
    """Tokens a query must all match: words, and bigrams of CJK runs (a lone character as itself)."""
    seen: dict[str, None] = {}
    for run in _TOKEN_RUN.findall(_normalise(text)):
        if _CJK_RUN.fullmatch(run):
            for token in _cjk_tokens(run, with_unigrams=False):
                seen.setdefault(token, None)
        elif len(run) <= MAX_TOKEN_CHARS:
            seen.setdefault(run, None)
    return list(seen)


def search_document(*parts: str | None) -> str:
    """The derived search column's value for a record made of ``parts``."""
    return " ".join(index_tokens(" ".join(p for p in parts if p)))


def postgres_tsquery(tokens: list[str]) -> str:
    """A ``tsquery`` literal that ANDs ``tokens`` verbatim (quoted, so no parser or operators apply)."""
    return " & ".join("'" + token.replace("'", "''").replace("\\", "") + "'" for token in tokens)


def fts5_query(tokens: list[str]) -> str:
    """An FTS5 MATCH expression that ANDs ``tokens`` as quoted strings (no FTS5 syntax leaks in)."""
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)
