"""Each node type, timeouts, retries and the fallback, driven through the session API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ivr_helpers import flow_from, session

from telephony.ivr import (
    Callback,
    CollectDtmf,
    CustomerRecord,
    Hangup,
    IvrSessionError,
    ListenSpeech,
    Lookup,
    OrderStatus,
    Play,
    RouteToQueue,
    Transfer,
    Voicemail,
    Waiting,
)

MENU = {
    "type": "menu",
    "prompt": "Press 1 for sales, 2 for billing.",
    "retries": 1,
    "options": {"1": {"next": "sales", "keywords": ["sales", "buy"]}, "2": {"next": "billing"}},
}
SALES = {"type": "route_queue", "queue": "sales", "priority": 3, "skills": {"sales": 2}}
BILLING = {"type": "route_queue", "queue": "billing"}


def texts(actions: tuple[object, ...]) -> list[str | None]:
    return [a.text for a in actions if isinstance(a, Play)]


def test_a_play_node_waits_for_its_playback_then_moves_on() -> None:
    s = session(
        flow_from({"hello": {"type": "play", "prompt": "Hello.", "next": "bye"}, "bye": {"type": "hangup"}})
    )
    (play,) = s.start()
    assert isinstance(play, Play) and play.text == "Hello." and s.waiting is Waiting.PLAYBACK
    assert s.on_playback_finished("some-other-playback") == ()
    assert s.on_dtmf("5") == ()
    assert s.on_playback_finished(play.ref) == (Hangup("ivr finished"),)
    assert s.finished


def test_a_play_node_moves_on_when_the_playback_safety_timer_fires() -> None:
    s = session(
        flow_from({"hello": {"type": "play", "prompt": {"sound": "hello-world"}, "next": "operator"}})
    )
    (play,) = s.start()
    assert play.sound == "hello-world" and play.text is None
    (route,) = s.on_timeout()
    assert isinstance(route, RouteToQueue) and route.queue == "general"


def test_a_menu_plays_its_prompt_and_opens_dtmf_and_speech_input() -> None:
    s = session(flow_from({"menu": MENU, "sales": SALES, "billing": BILLING}))
    play, collect, listen = s.start()
    assert isinstance(play, Play) and isinstance(collect, CollectDtmf) and isinstance(listen, ListenSpeech)
    assert collect.max_digits == 1 and collect.timeout == 5.0
    assert listen.keywords == ("sales", "buy")


def test_pressing_a_menu_key_routes_with_priority_skills_and_choice() -> None:
    s = session(flow_from({"menu": MENU, "sales": SALES, "billing": BILLING}))
    s.start()
    assert s.on_dtmf("1") == (RouteToQueue("sales", 3, (("sales", 2),), "en", "sales"),)
    assert s.path[-2].outcome == "dtmf 1 -> sales"


def test_a_wrong_key_says_i_did_not_get_that_and_asks_again() -> None:
    s = session(flow_from({"menu": MENU, "sales": SALES, "billing": BILLING}))
    s.start()
    actions = s.on_dtmf("7")
    assert texts(actions) == ["Sorry, I did not get that.", MENU["prompt"]]
    assert isinstance(actions[-2], CollectDtmf)
    assert isinstance(s.on_dtmf("2")[0], RouteToQueue)


def test_silence_replays_the_menu_then_goes_to_the_fallback_after_the_retries() -> None:
    s = session(flow_from({"menu": MENU, "sales": SALES, "billing": BILLING}))
    first = s.start()
    retry = s.on_timeout(first[1].token)
    assert texts(retry) == ["Sorry, I did not hear anything.", MENU["prompt"]]
    assert s.on_timeout(first[1].token) == ()  # a stale timer from the first attempt is ignored
    (route,) = s.on_timeout(retry[-1].token)
    assert isinstance(route, RouteToQueue) and route.queue == "general"
    assert [step.outcome for step in s.path][-3:-1] == ["no input (2/2)", "gave up -> operator"]


def test_a_menu_failure_goes_to_its_own_on_failure_target() -> None:
    menu = {**MENU, "retries": 0, "on_failure": "billing"}
    s = session(flow_from({"menu": menu, "sales": SALES, "billing": BILLING}))
    s.start()
    (route,) = s.on_dtmf("9")
    assert route.queue == "billing"


def test_speaking_a_keyword_or_a_digit_chooses_the_option() -> None:
    flow = flow_from({"menu": MENU, "sales": SALES, "billing": BILLING})
    s = session(flow)
    s.start()
    assert s.on_speech("I'd like to BUY something")[0].queue == "sales"
    s = session(flow)
    s.start()
    assert s.on_speech("two please")[0].queue == "billing"
    s = session(flow)
    s.start()
    assert texts(s.on_speech("what is the weather"))[0] == "Sorry, I did not get that."


def test_the_language_node_switches_prompts_and_keeps_the_default_when_nothing_is_chosen() -> None:
    nodes = {
        "lang": {
            "type": "language",
            "prompt": "1 English, 2 Español",
            "retries": 0,
            "options": {"1": {"language": "en"}, "2": {"language": "es", "keywords": ["español"]}},
            "next": "hello",
        },
        "hello": {"type": "play", "prompt": {"text": {"en": "Hello", "es": "Hola"}}, "next": "operator"},
    }
    flow = flow_from(nodes, languages=["en", "es"])
    s = session(flow)
    s.start()
    (play,) = s.on_speech("español")
    assert (play.text, play.language) == ("Hola", "es")
    (route,) = s.on_playback_finished(play.ref)
    assert route.language == "es"
    s = session(flow)
    s.start()
    (play,) = s.on_timeout()
    assert (play.text, play.language) == ("Hello", "en")


def test_a_prompt_without_text_in_the_chosen_language_falls_back_to_the_default() -> None:
    nodes = {
        "lang": {"type": "language", "prompt": "Choose", "options": {"2": {"language": "es"}}, "next": "hi"},
        "hi": {"type": "play", "prompt": {"text": {"en": "Hello"}}, "next": "operator"},
    }
    s = session(flow_from(nodes, languages=["en", "es"]))
    s.start()
    (play,) = s.on_dtmf("2")
    assert (play.text, play.language) == ("Hello", "en")


COLLECT = {
    "type": "collect",
    "variable": "account",
    "prompt": "Enter your account number.",
    "min_length": 4,
    "max_length": 6,
    "pattern": "[1-9][0-9]*",
    "terminator": "#",
    "retries": 1,
    "next": "read",
    "on_failure": "transfer",
}
READ = {"type": "play", "prompt": "You entered {account}.", "next": "operator"}
TRANSFER = {"type": "transfer", "number": "+4420000000"}


def collect_session() -> object:
    return session(flow_from({"ask": COLLECT, "read": READ, "transfer": TRANSFER}))


def test_collecting_digits_until_the_terminator_stores_them_and_reads_them_back() -> None:
    s = collect_session()
    _prompt, collect = s.start()
    assert collect == CollectDtmf(6, 5.0, "#", collect.token)
    assert [s.on_dtmf(d) for d in "1234"] == [(), (), (), ()]
    (read,) = s.on_dtmf("#")
    assert read.text == "You entered 1 2 3 4."
    assert s.variables["account"] == "1234"
    assert "1234" not in s.path_summary()  # the path counts digits and never stores them


def test_collecting_stops_by_itself_at_max_length_and_on_a_quiet_timeout() -> None:
    s = collect_session()
    s.start()
    *_, last = [s.on_dtmf(d) for d in "123456"]
    assert last[0].text == "You entered 1 2 3 4 5 6."
    s = collect_session()
    s.start()
    for d in "98765":
        s.on_dtmf(d)
    assert s.on_timeout()[0].text == "You entered 9 8 7 6 5."


def test_an_entry_failing_length_or_pattern_is_retried_then_transferred() -> None:
    s = collect_session()
    s.start()
    s.on_dtmf("1")
    s.on_dtmf("2")
    assert texts(s.on_dtmf("#"))[0] == "Sorry, I did not get that."
    for d in "0123":  # leading zero fails the pattern
        s.on_dtmf(d)
    assert s.on_dtmf("#") == (Transfer("+4420000000"),)


def test_digits_can_be_spoken() -> None:
    s = collect_session()
    s.start()
    assert s.on_speech("it's four five six seven")[0].text == "You entered 4 5 6 7."


LOOKUP_CUSTOMER = {"type": "lookup_customer", "next": "hello", "not_found": "operator", "vip": "vip"}
HELLO = {"type": "play", "prompt": "Hello {customer.name}.", "next": "operator"}
VIP = {"type": "route_queue", "queue": "vip", "priority": 10}


def customer_flow() -> object:
    return flow_from({"who": LOOKUP_CUSTOMER, "hello": HELLO, "vip": VIP})


def test_the_customer_is_looked_up_by_caller_id_and_greeted_by_name() -> None:
    s = session(customer_flow(), caller_id="+15551234")
    (lookup,) = s.start()
    assert lookup == Lookup("customer", "+15551234", 3.0, lookup.token)
    assert s.on_lookup_result("order", None) == ()  # an answer to another question is ignored
    (play,) = s.on_lookup_result("customer", CustomerRecord("c1", name="Ada"))
    assert play.text == "Hello Ada."


def test_a_vip_customer_takes_the_vip_path() -> None:
    s = session(customer_flow())
    s.start()
    (route,) = s.on_lookup_result("customer", CustomerRecord("c2", name="Grace", vip=True))
    assert route.queue == "vip" and route.priority == 10


def test_an_unknown_caller_a_lookup_timeout_and_a_withheld_number_all_go_on() -> None:
    s = session(customer_flow())
    s.start()
    assert s.on_lookup_result("customer", None)[0].queue == "general"
    s = session(customer_flow())
    (lookup,) = s.start()
    assert s.on_timeout(lookup.token)[0].queue == "general"
    assert s.path[-2].outcome == "lookup timed out"
    s = session(customer_flow(), caller_id="")
    assert s.start()[0].queue == "general"


def test_an_order_status_is_looked_up_and_read_back() -> None:
    nodes = {
        "ask": {"type": "collect", "variable": "order_number", "prompt": "Order?", "next": "find"},
        "find": {"type": "lookup_order", "found": "status", "not_found": "missing"},
        "status": {"type": "play", "prompt": "Order {order_number} is {order.status}.", "next": "bye"},
        "missing": {"type": "play", "prompt": "No order {order_number}.", "next": "operator"},
        "bye": {"type": "hangup", "reason": "done"},
    }
    flow = flow_from(nodes)
    s = session(flow)
    s.start()
    for d in "42#":
        actions = s.on_dtmf(d)
    assert actions == (Lookup("order", "42", 3.0, actions[0].token),)
    (play,) = s.on_lookup_result("order", OrderStatus("42", "out for delivery"))
    assert play.text == "Order 4 2 is out for delivery."
    assert s.on_playback_finished(play.ref) == (Hangup("done"),)
    s = session(flow)
    s.start()
    for d in "7#":
        s.on_dtmf(d)
    assert s.on_lookup_result("order", None)[0].text == "No order 7."


HOURS = {
    "type": "business_hours",
    "timezone": "America/New_York",
    "schedule": {"mon": ["09:00-17:00"], "sat": ["10:00-12:00"]},
    "holidays": ["2025-03-10", "12-25"],
    "open": "operator",
    "closed": "mailbox",
}
MAILBOX = {"type": "voicemail", "box": "after-hours", "prompt": "Leave a message."}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 3, 3, 14, 0, tzinfo=UTC), RouteToQueue("general", 0, (), "en", "general")),  # 9 am NY
        (datetime(2025, 3, 3, 13, 59, tzinfo=UTC), Voicemail("after-hours")),  # 8:59 am NY
        (datetime(2025, 3, 10, 15, 0, tzinfo=UTC), Voicemail("after-hours")),  # a fixed holiday
        (datetime(2026, 12, 25, 15, 0, tzinfo=UTC), Voicemail("after-hours")),  # a yearly holiday
        (datetime(2025, 3, 4, 15, 0, tzinfo=UTC), Voicemail("after-hours")),  # Tuesday: no hours
    ],
)
def test_business_hours_branch_on_the_local_time_and_holidays(moment: datetime, expected: object) -> None:
    s = session(flow_from({"hours": HOURS, "mailbox": MAILBOX}), now=moment)
    assert s.start()[-1] == expected


def test_a_callback_uses_the_caller_id_and_without_one_goes_to_the_fallback() -> None:
    flow = flow_from({"cb": {"type": "callback", "queue": "callbacks", "prompt": "We will call you."}})
    actions = session(flow, caller_id="+15550001").start()
    assert texts(actions) == ["We will call you."] and actions[-1] == Callback("+15550001", "callbacks")
    (route,) = session(flow, caller_id="").start()
    assert route.queue == "general"


def test_after_the_call_is_handed_off_further_events_do_nothing() -> None:
    s = session(flow_from({"t": TRANSFER}))
    assert s.start() == (Transfer("+4420000000"),)
    assert s.finished and s.result == Transfer("+4420000000")
    assert s.on_dtmf("1") == () and s.on_timeout() == () and s.on_speech("sales") == ()
    with pytest.raises(IvrSessionError):
        s.start()


def test_a_caller_hanging_up_is_recorded_in_the_path() -> None:
    s = session(flow_from({"menu": MENU, "sales": SALES, "billing": BILLING}))
    s.start()
    s.on_hangup()
    assert s.finished and s.result == Hangup("caller hung up in IVR")
    assert s.path_summary() == "menu:caller hung up"
