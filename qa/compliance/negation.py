"""Is a statement negated where it matters? "There is no guarantee you will make money" is close to
"this is guaranteed to make money" for a sentence encoder (cosine 0.72, above a true paraphrase), so
a match also has to agree with its example on negation.

A negation cue counts when it is in scope of the matched predicate: in the same clause and before a
content word the text shares with the example; it negates the first content word after it
("no" -> "guarantee", "不" -> "保"). A text and an example agree when they negate the same
words the same number of times (up to inflection or a recognition slip), so an example that is
itself negated ("you will never lose money") still matches its own kind ("you won't lose a penny")
and neither its opposite ("you could lose money") nor a negation of something else ("I'm not saying
you will make money").
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from qa.compliance.text import normalise, tokens

EN_CUES = frozenset(
    "no not never nothing none nobody neither nor without cannot unable impossible "
    "can't won't don't doesn't didn't isn't aren't wasn't weren't couldn't wouldn't shouldn't "
    "mustn't haven't hasn't hadn't ain't".split()
)
ZH_CUES = frozenset("不没无未非别勿莫")
# Han words that hold a negation character without negating anything ("非常" is "very").
_ZH_NOT_NEGATIONS = re.compile(
    "非常|无论|毫无疑问|无疑|不错|不少|不断|不久|不管|不仅|不但|无数|没错|别人|别的|无限"
)
# Negations spelled without a cue word: "risk free" and "zero risk" are "no risk".
_REWRITES = (
    (re.compile(r"\b([a-z]+)[ -]free\b"), r"no \1"),
    (re.compile(r"\bzero\b"), "no"),
    (re.compile("零风险"), "无风险"),
)
STOPWORDS = frozenset(
    "a an the this that these those it its is are was were be been being am do does did to of in on "
    "at for with by from as i you he she we they me him her us them my your our their will would "
    "shall should can could may might must have has had just really very so any some all if then "
    "there here what which who get got let please i'm you'll you're it's there's we'll i'll "
    "definitely absolutely ever going gonna want".split()
) | frozenset("的了是我你他她们这那个会能就都也很有吗呢吧啊呀在和与要给被把请任何一定绝对")


def is_cue(token: str) -> bool:
    return token in EN_CUES or token in ZH_CUES or token.endswith("n't")


def is_content(token: str) -> bool:
    return token not in STOPWORDS and not is_cue(token)


@lru_cache(maxsize=8192)
def similar_words(a: str, b: str) -> bool:
    """Same word up to inflection or a recognition slip ("guarantied" ~ "guaranteed", "loose" ~ "lose")."""
    if a == b:
        return True
    if len(a) < 3 or len(b) < 3:
        return False
    prefix = len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5]
    return prefix or SequenceMatcher(None, a, b).ratio() >= 0.75


@lru_cache(maxsize=8192)
def prepared_words(text: str) -> tuple[str, ...]:
    """Tokens of ``text`` with negation-looking words that negate nothing removed and rewrites made."""
    prepared = _ZH_NOT_NEGATIONS.sub(" ", normalise(text))
    for pattern, replacement in _REWRITES:
        prepared = pattern.sub(replacement, prepared)
    return tuple(tokens(prepared))


@lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` that carry meaning (no stopwords, no negation cues)."""
    return tuple(w for w in prepared_words(text) if is_content(w))


def negated_words(text: str, other: str) -> tuple[str, ...]:
    """The word each in-scope negation cue of ``text`` negates (the first content word after it).

    A cue is in scope when a content word after it is shared with ``other`` (the matched predicate):
    "with no risk" negates nothing of "I promise this will make you money". When the two share no
    word at all (a paraphrase, another language) every cue before a content word counts.
    """
    words = prepared_words(text)
    theirs = content_words(other)
    anchored = any(similar_words(w, t) for w in content_words(text) for t in theirs)
    heads: list[str] = []
    for index, word in enumerate(words):
        if not is_cue(word):
            continue
        scope = [w for w in words[index + 1 :] if is_content(w)]
        if scope and (not anchored or any(similar_words(w, t) for w in scope for t in theirs)):
            heads.append(scope[0])
    return tuple(heads)


def _covered(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    return all(any(similar_words(word, other) for other in theirs) for word in mine)


@lru_cache(maxsize=65536)
def same_polarity(text: str, example: str) -> bool:
    """True when ``text`` and ``example`` negate the same words as often (see the module doc)."""
    ours, theirs = negated_words(text, example), negated_words(example, text)
    if len(ours) % 2 != len(theirs) % 2:
        return False
    return _covered(ours, theirs) and _covered(theirs, ours)
