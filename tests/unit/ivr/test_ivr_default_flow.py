"""The shipped flow (config/ivr/main.yaml), walked through each branch as a caller would."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from ivr_helpers import MONDAY_MORNING, SUNDAY, main_flow, office_hours_flow, session

from telephony.ivr import (
    Callback,
    CustomerRecord,
    IvrSession,
    Lookup,
    OrderStatus,
    Play,
    RouteToQueue,
    Voicemail,
    Waiting,
)

FLOW = main_flow()
OFFICE_HOURS_FLOW = office_hours_flow()


def to_main_menu(caller: CustomerRecord | None = None, language_key: str = "1") -> IvrSession:
    s = session(FLOW)
    (welcome,) = s.start()
    assert welcome.text == "Thank you for calling Voxdesk."
    s.on_playback_finished(welcome.ref)
    (lookup,) = s.on_dtmf(language_key)
    assert isinstance(lookup, Lookup) and lookup.kind == "customer"
    actions = s.on_lookup_result("customer", caller)
    if caller and caller.vip:
        (greeting,) = actions
        actions = s.on_playback_finished(greeting.ref)
    assert "press 1" in (actions[0].text or "").lower() or "oprima 1" in (actions[0].text or "")
    return s


def test_pressing_1_reaches_sales_with_the_sales_skill() -> None:
    s = to_main_menu()
    play, route = s.on_dtmf("1")
    assert play.text == "Connecting you to our sales team."
    assert route == RouteToQueue("sales", 0, (("sales", 1),), "en", "sales")
    assert s.path_summary().startswith(
        "welcome:played > choose_language:dtmf 1 -> language en > opening_hours:open"
    )


def test_saying_billing_reaches_billing() -> None:
    s = to_main_menu()
    assert s.on_speech("I have a question about my invoice")[-1].queue == "billing"


def test_pressing_0_reaches_an_agent_in_the_general_queue() -> None:
    route = to_main_menu().on_dtmf("0")[-1]
    assert (route.queue, route.choice, route.priority) == ("general", "agent", 1)


def test_order_status_is_read_back_and_the_caller_can_then_reach_order_support() -> None:
    s = to_main_menu()
    s.on_dtmf("3")
    for digit in "123456":
        s.on_dtmf(digit)
    (lookup,) = s.on_dtmf("#")
    assert lookup.kind == "order" and lookup.value == "123456"
    (status,) = s.on_lookup_result("order", OrderStatus("123456", "shipped", "It arrives tomorrow."))
    assert status.text == "Order 1 2 3 4 5 6 is shipped. It arrives tomorrow."
    s.on_playback_finished(status.ref)
    assert s.on_dtmf("1")[-1] == RouteToQueue("support", 0, (("orders", 1),), "en", "order_status")


def test_an_unknown_order_says_so_and_offers_the_menu_again() -> None:
    s = to_main_menu()
    s.on_dtmf("3")
    for digit in "6543210#":
        s.on_dtmf(digit)
    (sorry,) = s.on_lookup_result("order", None)
    assert sorry.text == "Sorry, I could not find order 6 5 4 3 2 1 0."
    after = s.on_playback_finished(sorry.ref)
    assert "main menu, press 9" in (after[0].text or "")
    menu = s.on_dtmf("9")
    assert menu[0].text and "For sales" in menu[0].text


def test_a_vip_caller_is_greeted_by_name() -> None:
    s = session(FLOW)
    s.on_playback_finished(s.start()[0].ref)
    s.on_dtmf("1")
    (greeting,) = s.on_lookup_result("customer", CustomerRecord("7", name="Ada Lovelace", vip=True))
    assert greeting.text == "Welcome back, Ada Lovelace."


def test_a_spanish_caller_hears_spanish_prompts_and_is_routed_in_spanish() -> None:
    s = to_main_menu(language_key="2")
    play, route = s.on_dtmf("2")
    assert (play.text, play.language) == ("Le pasamos con facturación.", "es")
    assert route.language == "es"


def test_a_silent_caller_ends_with_an_agent_never_in_silence() -> None:
    s = to_main_menu()
    for _ in range(3):
        actions = s.on_timeout()
    assert actions[-1].queue == "general"


def test_the_demo_line_is_open_at_any_hour_of_any_day() -> None:
    for hour in range(0, 24 * 7, 5):
        s = session(FLOW, now=SUNDAY + timedelta(hours=hour))
        s.on_playback_finished(s.start()[0].ref)
        s.on_dtmf("1")
        assert s.path_summary().endswith("opening_hours:open"), hour


def test_with_the_documented_office_hours_the_line_opens_on_monday_morning_only() -> None:
    for now, outcome in ((MONDAY_MORNING, "open"), (SUNDAY, "closed")):
        s = session(OFFICE_HOURS_FLOW, now=now)
        s.on_playback_finished(s.start()[0].ref)
        s.on_dtmf("1")
        assert f"opening_hours:{outcome}" in s.path_summary()


def test_out_of_hours_callers_can_leave_a_message_or_ask_for_a_callback() -> None:
    for key, expected in (("1", Voicemail("general")), ("2", Callback("+441234567890", "general"))):
        s = session(OFFICE_HOURS_FLOW, now=SUNDAY)
        s.on_playback_finished(s.start()[0].ref)
        (closed,) = s.on_dtmf("1")
        assert closed.text and closed.text.startswith("We are closed")
        s.on_playback_finished(closed.ref)
        assert s.on_dtmf(key)[-1] == expected


EVENTS = st.one_of(
    st.tuples(st.just("dtmf"), st.sampled_from("0123456789*#")),
    st.tuples(st.just("speech"), st.sampled_from(["sales", "billing", "order", "agent", "banana", "one"])),
    st.tuples(st.just("timeout"), st.none()),
    st.tuples(st.just("playback"), st.none()),
    st.tuples(st.just("customer"), st.sampled_from([None, CustomerRecord("1", "Bo", vip=True)])),
    st.tuples(st.just("order"), st.sampled_from([None, OrderStatus("1234567", "late")])),
)


def feed(s: IvrSession, event: tuple[str, object]) -> tuple[object, ...]:
    kind, value = event
    if kind == "dtmf":
        return s.on_dtmf(str(value))
    if kind == "speech":
        return s.on_speech(str(value))
    if kind == "timeout":
        return s.on_timeout()
    if kind == "playback":
        return s.on_playback_finished()
    return s.on_lookup_result("customer" if kind == "customer" else "order", value)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(events=st.lists(EVENTS, max_size=40), open_hours=st.booleans())
def test_whatever_the_caller_does_the_session_waits_on_something_or_has_ended(
    events: list[tuple[str, object]], open_hours: bool
) -> None:
    now: datetime = MONDAY_MORNING if open_hours else SUNDAY
    s = session(OFFICE_HOURS_FLOW, now=now)
    s.start()
    for event in events:
        for action in feed(s, event):
            if isinstance(action, Play):
                assert action.text or action.sound  # never an empty prompt
        assert s.finished or s.waiting in (Waiting.PLAYBACK, Waiting.INPUT, Waiting.LOOKUP)
    # From wherever the caller is, silence alone ends the IVR with a hand-off within a few timers.
    for _ in range(30):
        if s.finished:
            break
        s.on_timeout()
    assert s.finished and s.result is not None
