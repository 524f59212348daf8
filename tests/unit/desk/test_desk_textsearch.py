"""Search tokens: words for spaced languages, characters and bigrams for Chinese."""

from __future__ import annotations

from tickets.textsearch import fts5_query, index_tokens, postgres_tsquery, query_tokens, search_document


def test_english_words_are_lower_cased_and_punctuation_dropped() -> None:
    assert index_tokens("How do I get a REFUND?") == ["how", "do", "i", "get", "a", "refund"]


def test_chinese_without_spaces_is_indexed_as_characters_and_bigrams() -> None:
    tokens = index_tokens("申请退款")
    assert {"申", "请", "退", "款", "申请", "请退", "退款"} == set(tokens)


def test_a_chinese_query_needs_its_bigrams_so_a_word_matches_only_where_it_appears() -> None:
    document = set(index_tokens("如何申请退款"))
    assert set(query_tokens("退款")) <= document
    assert not set(query_tokens("款退")) <= document  # the same characters in another order


def test_a_single_chinese_character_query_matches_by_its_unigram() -> None:
    assert query_tokens("退") == ["退"]
    assert "退" in index_tokens("退货")


def test_mixed_text_keeps_both_kinds_of_tokens_and_full_width_letters_are_folded() -> None:
    assert search_document("Router 路由器", "\uff57\uff49\uff46\uff49").split() == [
        "router",
        "路",
        "由",
        "器",
        "路由",
        "由器",
        "wifi",
    ]


def test_query_literals_cannot_inject_operators() -> None:
    assert postgres_tsquery(["it's"]) == "'it''s'"
    assert fts5_query(['a"b']) == '"a""b"'
    assert query_tokens("refund & !(x) | NEAR") == ["refund", "x", "near"]
