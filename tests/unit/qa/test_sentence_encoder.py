"""The shared encoder (real USE weights): unit vectors, one space for English and Chinese."""

from __future__ import annotations

import numpy as np

from qa.encoder import shared_encoder


def test_vectors_are_unit_length_and_a_chinese_paraphrase_is_closer_than_an_unrelated_sentence() -> None:
    vectors = shared_encoder().encode(
        ["this product is guaranteed to make money", "这个产品保证赚钱", "the weather is nice today"]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_a_lone_surrogate_is_encoded_instead_of_raising() -> None:
    vector = shared_encoder().encode_one("refund \ud800 please")
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)
