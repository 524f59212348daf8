"""Matching what a recogniser made of the caller's words against menu keywords."""

from __future__ import annotations

import pytest
from ivr_helpers import flow_from, session

from telephony.ivr import Play, RouteToQueue
from telephony.ivr.speech import match_keyword

MAIN_MENU = {
    "1": ["sales", "buy", "purchase", "ventas"],
    "2": ["billing", "bill", "invoice", "facturación", "factura"],
    "3": ["order", "status", "delivery"],
    "0": ["agent", "operator", "person", "talk to someone"],
}


@pytest.mark.parametrize(
    ("heard", "option"),
    [
        ("Billing.", "2"),  # Whisper's capital and full stop
        ("billing", "2"),  # Vosk's bare phrase
        ("Um, billing, please!", "2"),
        ("I have a question about my bills", "2"),  # plural of a keyword
        ("facturacion", "2"),  # an accent the recogniser left out
        ("FACTURACIÓN", "2"),
        ("Sales.", "1"),
        ("I want to check the status of my orders", "3"),
        ("Can I talk to someone?", "0"),  # a multi-word keyword
        ("Agent please.", "0"),
        ("Billie.", "2"),  # what Whisper tiny.en made of a Piper "billing" over a real call
        ("Billy.", "2"),  # and another day
        ("invoiced", "2"),
    ],
)
def test_a_keyword_in_what_the_caller_said_picks_its_option(heard: str, option: str) -> None:
    assert match_keyword(heard, MAIN_MENU) == option


@pytest.mark.parametrize(
    "heard",
    [
        "Purple monkey dishwasher.",
        "The weather is lovely today.",
        "Banana.",
        "them.",
        "",
        "hello",
        "salesman",
    ],
)
def test_nonsense_and_words_that_merely_contain_a_keyword_match_nothing(heard: str) -> None:
    assert match_keyword(heard, MAIN_MENU) is None


def test_a_word_equally_near_two_options_is_no_match() -> None:
    assert match_keyword("care", {"1": ["card"], "2": ["cart"]}) is None
    assert match_keyword("care", {"1": ["card"], "2": ["zebra"]}) == "1"


def test_the_root_of_an_ing_keyword_is_near_but_other_words_are_not() -> None:
    only_billing = {"1": ["sales"], "2": ["billing", "invoice"]}
    assert match_keyword("Billy.", only_billing) == "2"
    assert match_keyword("Bella.", only_billing) is None
    assert match_keyword("Salesman.", only_billing) is None


def test_a_near_word_never_beats_a_keyword_heard_exactly() -> None:
    assert match_keyword("billie sales", {"1": ["sales"], "2": ["billing"]}) == "1"


def test_the_longest_keyword_wins_when_two_options_are_heard() -> None:
    options = {"1": ["call"], "2": ["call back"]}
    assert match_keyword("please call back tomorrow", options) == "2"
    assert match_keyword("please call me", options) == "1"


def test_a_keyword_is_not_made_of_the_end_of_one_word_and_the_start_of_the_next() -> None:
    assert match_keyword("the bill inside", {"1": ["billing"]}) is None


MENU = {
    "type": "menu",
    "prompt": "Say sales or billing.",
    "retries": 1,
    "options": {
        "1": {"next": "sales", "keywords": ["sales"]},
        "2": {"next": "billing", "keywords": ["billing"]},
    },
    "on_failure": "operator",
}


def test_nonsense_re_prompts_with_the_no_match_line_then_the_menu_then_gives_up_to_on_failure() -> None:
    flow = flow_from(
        {
            "menu": MENU,
            "sales": {"type": "route_queue", "queue": "sales"},
            "billing": {"type": "route_queue", "queue": "billing"},
        }
    )
    s = session(flow)
    s.start()
    again = s.on_speech("purple monkey dishwasher")
    assert [a.text for a in again if isinstance(a, Play)] == [
        "Sorry, I did not get that.",
        "Say sales or billing.",
    ]
    (route,) = s.on_speech("blue elephant umbrella")
    assert isinstance(route, RouteToQueue) and route.queue == "general"  # operator, the fallback
    assert [step.outcome for step in s.path] == [
        "speech not understood (1/2)",
        "speech not understood (2/2)",
        "gave up -> operator",
        "routetoqueue general",
    ]
