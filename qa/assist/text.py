"""Tokens for the assist lexical layer: stemmed English words without stop words, Chinese bigrams.

Kept apart from tickets.textsearch (qa may not import tickets) and tuned for ranking rather than for
an all-words-must-match search: stop words are dropped, English words lose common suffixes so
"refunds", "refunded" and "refund" agree, and Chinese runs become character bigrams (plus the
character itself for a one-character run) because Chinese has no spaces between words.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*|\n+")

STOP_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being am
    i me my mine you your yours he she it its we our us they them their this that these those there
    here do does did doing done have has had having can could would should will shall may might must
    not no yes so just very too also please hi hello hey thanks thank okay ok um uh er ah oh well
    what when where which who whom why how want wanted like need get got know let about up out
    into over than then some any all one im ive dont cant wont id its youre""".split()
)
# Chinese function characters; a bigram made only of these carries no topic.
ZH_STOP_CHARS = frozenset("的了吗呢吧啊呀哦嗯我你您他她它们是在有和就都也还要想请问这那个么什怎")

_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ied", "ies", "ed", "es", "s")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("'", "")


def stem(word: str) -> str:
    """A crude suffix strip: enough to make inflections of one word meet, never below 3 letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ied", "ies"):
                return base + "y"
            if base[-1] == base[-2] and base[-1] not in "lsz":  # stopped -> stop
                return base[:-1]
            return base
    return word


def tokens(text: str) -> list[str]:
    """Lexical tokens of ``text`` in order (duplicates kept: BM25 counts them)."""
    out: list[str] = []
    for run in _RUN.findall(normalise(text)):
        if _CJK_RUN.fullmatch(run):
            if len(run) == 1:
                if run not in ZH_STOP_CHARS:
                    out.append(run)
                continue
            for i in range(len(run) - 1):
                bigram = run[i : i + 2]
                if not (bigram[0] in ZH_STOP_CHARS and bigram[1] in ZH_STOP_CHARS):
                    out.append(bigram)
        elif run not in STOP_WORDS and len(run) > 1:
            out.append(stem(run))
    return out


def joined_pairs(text: str) -> list[str]:
    """Adjacent English words written together, stemmed: "pass word" -> "password", "re fund" ->
    "refund" (a recogniser or a hurried typist splits words; the caller keeps those that are known)."""
    words = [run for run in _RUN.findall(normalise(text)) if not _CJK_RUN.fullmatch(run)]
    return [stem(a + b) for a, b in itertools.pairwise(words)]


def sentences(text: str) -> list[str]:
    """Sentences of an article body (English or Chinese punctuation), blanks dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
