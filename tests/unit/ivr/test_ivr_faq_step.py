"""The IVR's FAQ step as a pure session: the caller's question, the bot's verdict (a fake value at the
seam), the caller's confirmation, and every other way out ending with a person; one round per call."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ivr_helpers import flow_from, main_flow, session

from telephony.ivr import IvrFlowError, IvrSession, Play, RouteToQueue, Waiting
from telephony.ivr.actions import AskFaq, CollectDtmf, Hangup, ListenSpeech
from telephony.ivr.faq import FaqAnswer

REFUND = FaqAnswer(
    answered=True, text="Refunds go back to the card that paid, within 5 working days.", article_key="refunds"
)
NOT_SURE = FaqAnswer(answered=False, reason="not confident")


def faq_flow(**faq: Any) -> Any:
    nodes: dict[str, Any] = {
        "ask": {"type": "faq", "fallback": "support", **faq},
        "support": {"type": "route_queue", "queue": "support", "prompt": "Connecting you to support."},
    }
    if "on_answered" in faq:  # a menu to come back to, which leads to the step again
        nodes["menu"] = {
            "type": "menu",
            "prompt": "Press 1 to ask a question.",
            "options": {"1": {"next": "ask", "label": "question"}},
        }
    return flow_from(nodes)


def asked(s: IvrSession, question: str = "How do I get my money back?") -> AskFaq:
    (ask,) = s.on_speech(question)
    assert isinstance(ask, AskFaq) and s.waiting is Waiting.LOOKUP
    return ask


def answered(s: IvrSession) -> tuple[Any, ...]:
    s.start()
    return s.on_faq_answer(REFUND, asked(s).token)


def test_the_step_asks_in_free_speech_and_sends_the_question_to_the_bot() -> None:
    s = session(faq_flow())
    prompt, keys, listen = s.start()
    assert isinstance(prompt, Play) and prompt.text == "Tell me in a few words what you are calling about."
    assert isinstance(keys, CollectDtmf) and isinstance(listen, ListenSpeech)
    assert listen.keywords == () and listen.timeout == 8.0  # free speech, time to say a sentence
    ask = asked(s, "  How do I   get my money back? ")
    assert (ask.question, ask.language, ask.timeout) == ("How do I get my money back?", "en", 4.0)
    assert s.path[-1].outcome == "asked: How do I get my money back?"


def test_a_confident_answer_is_read_out_as_an_automated_assistant_then_confirmed() -> None:
    s = session(faq_flow())
    intro, answer, confirm, keys, listen = answered(s)
    assert intro.text == "I am an automated assistant. Here is what I found."
    assert answer.text == REFUND.text and answer.language == "en"
    assert confirm.text is not None and confirm.text.startswith("Did that answer your question? Press 1")
    assert isinstance(keys, CollectDtmf) and keys.timeout == 5.0
    assert "yes" in listen.keywords and "agent" in listen.keywords
    assert [step.outcome for step in s.path][-1] == "bot answered kb:refunds"


def test_pressing_1_says_goodbye_and_hangs_up() -> None:
    s = session(faq_flow())
    answered(s)
    goodbye, hangup = s.on_dtmf("1")
    assert goodbye.text == "Thank you for calling. Goodbye."
    assert hangup == Hangup("answered by the FAQ bot") and s.finished
    assert [step.outcome for step in s.path][-2:] == ["answer confirmed (dtmf 1)", "hangup"]


def test_saying_yes_counts_like_pressing_1() -> None:
    s = session(faq_flow())
    answered(s)
    assert isinstance(s.on_speech("Yeah, that's great, thanks.")[-1], Hangup)


@pytest.mark.parametrize(
    ("event", "outcome"),
    [
        (("dtmf", "2"), "answer not confirmed (dtmf 2)"),
        (("speech", "No, I still need help"), "answer not confirmed (speech)"),
        (("timeout", None), "answer not confirmed (no input)"),
    ],
)
def test_anything_but_a_yes_after_the_answer_hands_over_to_the_fallback_queue(
    event: tuple[str, str | None], outcome: str
) -> None:
    s = session(faq_flow())
    answered(s)
    kind, value = event
    actions = (
        s.on_dtmf(str(value))
        if kind == "dtmf"
        else s.on_speech(str(value))
        if kind == "speech"
        else s.on_timeout()
    )
    line, route = actions
    assert line.text == "Let me connect you to an agent."  # instead of the queue's own prompt
    assert route == RouteToQueue("support", 0, (), "en", "support")
    assert outcome in [step.outcome for step in s.path]
    assert s.path_summary().endswith("support:routetoqueue support")


def test_words_that_are_neither_yes_nor_no_are_let_pass_and_silence_then_hands_over() -> None:
    s = session(faq_flow())
    answered(s)
    assert s.on_speech("purple monkey dishwasher") == () and s.waiting is Waiting.INPUT
    assert s.on_timeout()[-1] == RouteToQueue("support", 0, (), "en", "support")
    assert "ask:answer not confirmed (no input)" in s.path_summary()


@pytest.mark.parametrize(
    ("verdict", "outcome"),
    [
        (NOT_SURE, "bot handed over (not confident)"),
        (FaqAnswer(answered=True, text="  ", article_key="empty"), "bot handed over"),
    ],
)
def test_a_bot_that_is_not_confident_hands_over_at_once(verdict: FaqAnswer, outcome: str) -> None:
    s = session(faq_flow())
    s.start()
    line, route = s.on_faq_answer(verdict, asked(s).token)
    assert line.text == "Let me connect you to an agent." and route.queue == "support"
    assert [step.outcome for step in s.path] == [
        "asked: How do I get my money back?",
        outcome,
        "routetoqueue support",
    ]


def test_silence_a_key_or_a_slow_bot_hand_over_too() -> None:
    silent = session(faq_flow())
    silent.start()
    assert silent.on_timeout()[-1].queue == "support"
    assert silent.path[0].outcome == "no question heard (no input)"

    pressed = session(faq_flow())
    pressed.start()
    assert pressed.on_dtmf("0")[-1].queue == "support"
    assert pressed.path[0].outcome == "pressed a key instead of asking (dtmf 0)"

    slow = session(faq_flow())
    slow.start()
    ask = asked(slow)
    assert slow.on_timeout(ask.token)[-1].queue == "support"
    assert "bot handed over (no answer in time)" in slow.path_summary()
    assert slow.on_faq_answer(REFUND, ask.token) == ()  # the late answer finds the caller gone


def test_a_stale_answer_is_ignored() -> None:
    s = session(faq_flow())
    s.start()
    ask = asked(s)
    assert s.on_faq_answer(REFUND, ask.token - 1) == ()
    assert s.waiting is Waiting.LOOKUP


def test_the_answer_keeps_its_own_language_for_synthesis() -> None:
    s = session(faq_flow())
    s.start()
    verdict = FaqAnswer(
        answered=True, text="退款将在五个工作日内退回。", article_key="refund-zh", language="zh"
    )
    _intro, answer, *_rest = s.on_faq_answer(verdict, asked(s).token)
    assert (answer.text, answer.language) == (verdict.text, "zh")


def test_on_answered_goes_on_in_the_flow_and_a_second_visit_hands_over_without_asking_again() -> None:
    flow = faq_flow(on_answered="menu")
    s = session(flow)
    answered(s)
    (menu_prompt, *_inputs) = s.on_dtmf("1")
    assert menu_prompt.text == "Press 1 to ask a question."
    line, route = s.on_dtmf("1")  # back to the FAQ step: never a second round
    assert line.text == "Let me connect you to an agent." and route.queue == "support"
    assert route.choice == "question"
    assert s.path[-2].outcome == "asked once already; handed over"


def test_a_spanish_caller_hears_the_step_in_spanish() -> None:
    flow = flow_from(
        {
            "ask": {
                "type": "faq",
                "prompt": {"text": {"en": "Tell me why you call.", "es": "Dígame por qué llama."}},
                "handover": {"text": {"en": "Connecting you.", "es": "Le paso con un agente."}},
            },
        },
        languages=["en", "es"],
        default_language="es",
    )
    s = session(flow)
    assert s.start()[0].text == "Dígame por qué llama."
    assert s.on_timeout()[0].text == "Le paso con un agente."


def test_the_fallback_of_a_faq_step_must_be_a_person() -> None:
    with pytest.raises(IvrFlowError) as info:
        flow_from(
            {
                "ask": {"type": "faq", "fallback": "bye"},
                "bye": {"type": "hangup"},
            }
        )
    assert any("must hand the caller to a person" in str(p) and p.node == "ask" for p in info.value.problems)


def test_unknown_faq_fields_and_targets_are_refused_naming_the_node() -> None:
    with pytest.raises(IvrFlowError) as info:
        flow_from({"ask": {"type": "faq", "bot_timeout": 0, "colour": "red"}})
    assert sorted(str(p) for p in info.value.problems) == [
        "node 'ask': bot_timeout: Input should be greater than 0",
        "node 'ask': colour: unknown field",
    ]
    with pytest.raises(IvrFlowError) as info:
        flow_from({"ask": {"type": "faq", "on_answered": "nowhere"}})
    assert [str(p) for p in info.value.problems] == [
        "node 'ask': on_answered goes to 'nowhere', which is not a node"
    ]


EVENTS = st.one_of(
    st.tuples(st.just("dtmf"), st.sampled_from("0123456789*#")),
    st.tuples(st.just("speech"), st.sampled_from(["yes", "no", "refund please", "banana", "agent"])),
    st.tuples(st.just("timeout"), st.none()),
    st.tuples(st.just("playback"), st.none()),
    st.tuples(st.just("bot"), st.sampled_from([REFUND, NOT_SURE])),
)


@settings(max_examples=200, deadline=None)
@given(events=st.lists(EVENTS, max_size=30), on_answered=st.sampled_from([None, "menu"]))
def test_whatever_happens_the_caller_meets_the_bot_at_most_once_and_silence_ends_with_someone(
    events: list[tuple[str, Any]], on_answered: str | None
) -> None:
    s = session(faq_flow(**({"on_answered": on_answered} if on_answered else {})))
    s.start()
    questions = 0
    for kind, value in events:
        if kind == "dtmf":
            actions = s.on_dtmf(value)
        elif kind == "speech":
            actions = s.on_speech(value)
        elif kind == "timeout":
            actions = s.on_timeout()
        elif kind == "playback":
            actions = s.on_playback_finished()
        else:
            actions = s.on_faq_answer(value)
        questions += sum(isinstance(a, AskFaq) for a in actions)
        assert s.finished or s.waiting in (Waiting.INPUT, Waiting.LOOKUP, Waiting.PLAYBACK)
    assert questions <= 1
    for _ in range(10):
        if s.finished:
            break
        s.on_timeout()
    assert s.finished and isinstance(s.result, RouteToQueue | Hangup)


def test_the_shipped_flow_offers_the_assistant_on_4_and_hands_unanswered_questions_to_general() -> None:
    for verdict, expected in ((REFUND, Hangup("answered by the FAQ bot")), (NOT_SURE, None)):
        s = session(main_flow())
        s.on_playback_finished(s.start()[0].ref)
        s.on_dtmf("1")
        menu = s.on_lookup_result("customer", None)
        assert "press 4" in (menu[0].text or "")
        (prompt, *_inputs) = s.on_dtmf("4")
        assert prompt.text == "Tell me in a few words what you are calling about."
        actions = s.on_faq_answer(verdict, asked(s).token)
        if expected is not None:
            assert s.on_dtmf("1")[-1] == expected
        else:
            assert actions[-1] == RouteToQueue("general", 0, (), "en", "question")
