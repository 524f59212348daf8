"""The FAQ step's pure helpers: an answer shaped for the ear, the caller's yes or no, the question for the
call record."""

from __future__ import annotations

from telephony.ivr.faq import confirmation, path_question, spoken_answer


def test_a_long_answer_is_cut_at_a_sentence_and_list_marks_are_not_read_out() -> None:
    body = (
        "Refunds go back to the card that paid. 1. Find the order number on your receipt. "
        "2. Call us and press 2 for billing. 3. We confirm by e-mail once the refund is sent."
    )
    assert spoken_answer(body, limit=90) == (
        "Refunds go back to the card that paid. Find the order number on your receipt."
    )
    assert (
        spoken_answer("One very long sentence " * 40, limit=50)
        == "One very long sentence One very long sentence One"
    )


def test_yes_and_no_are_read_from_what_the_caller_said() -> None:
    assert [confirmation(t) for t in ("Yes.", "Yeah, thanks!", "No, thank you.", "Agent please", "hmm")] == [
        "yes", "yes", "no", "no", None,
    ]  # fmt: skip


def test_the_question_for_the_call_record_is_one_short_line() -> None:
    assert path_question('my "router"\nis   broken') == "my 'router' is broken"
    assert path_question("word " * 60).endswith("...") and len(path_question("word " * 60)) <= 123
