"""The recording pauses when a caller starts reading card data and resumes after (a clock seam)."""

from __future__ import annotations

import threading
import time

from asr.frames import FinalTranscript, LegRef, PartialTranscript
from qa.pci import LegRedactor
from qa.pci.pause import RecordingPauseSink
from qa.pci.watch import CardDataWatch

LEG = LegRef("call-7", "caller")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def heard(text: str, start: float, *, final: bool = True) -> PartialTranscript | FinalTranscript:
    frame = (
        FinalTranscript(LEG, text, start, start + 1, 0.9) if final else PartialTranscript(LEG, text, start)
    )
    return LegRedactor()(frame)  # the sink sees what every sink sees: redacted frames


def test_a_partial_with_four_digits_pauses_and_a_clean_final_after_quiet_resumes() -> None:
    watch = CardDataWatch()
    assert watch.hear(heard("hello I would like to pay", 0, final=False), 0.0) is None
    assert watch.hear(heard("four one one one", 1, final=False), 1.0) is True
    assert watch.hear(heard("four one one one one one one one one", 1, final=False), 2.0) is None
    assert watch.hear(heard("4111 1111 1111 1111", 1), 3.0) is None
    assert watch.tick(9.0) is None  # quiet, but no clean final: the caller may still be reading
    assert watch.hear(heard("thanks", 4), 4.5) is None  # clean, but digits 1.5 s ago
    assert watch.tick(5.1) is False and not watch.paused


def test_a_bare_cue_pauses_and_waits_longer_for_the_number() -> None:
    watch = CardDataWatch()
    assert watch.hear(heard("my card number is", 0), 1.0) is True
    assert watch.hear(heard("let me find it", 2), 3.0) is None
    assert watch.tick(4.0) is None
    assert watch.tick(7.1) is False


def test_the_cap_and_the_end_of_the_call_always_resume() -> None:
    watch = CardDataWatch(cap_seconds=60)
    watch.hear(heard("security code", 0), 0.0)
    for second in range(1, 60):
        watch.hear(heard("one two three four", second, final=False), float(second))
    assert watch.paused and watch.tick(60.0) is False
    watch.hear(heard("card", 0), 61.0)
    assert watch.finish() is False and watch.finish() is None


def test_the_sink_sends_pause_then_resume_by_itself_and_only_the_call_id_and_flag() -> None:
    sent: list[tuple[str, bool]] = []
    done = threading.Event()

    def set_paused(call_id: str, paused: bool) -> None:
        sent.append((call_id, paused))
        if not paused:
            done.set()

    clock = Clock()
    sink = RecordingPauseSink("call-7", set_paused, clock=clock)
    sink.partial(heard("four one one one", 0, final=False))  # type: ignore[arg-type]
    sink.final(heard("4111 1111 1111 1111", 0))  # type: ignore[arg-type]
    sink.final(heard("that is all", 3))  # type: ignore[arg-type]
    assert sent == [("call-7", True)]
    clock.now += 2.5  # nothing with digits said since: the ticking timer resumes
    assert done.wait(3)
    assert sent == [("call-7", True), ("call-7", False)]
    sink.partial(heard("cvv is seven three nine one", 5, final=False))  # type: ignore[arg-type]
    sink.leg_closed(LEG)  # hang-up while paused
    assert sent[-2:] == [("call-7", True), ("call-7", False)]
    time.sleep(0.3)
    assert len(sent) == 4


def test_a_failing_command_does_not_break_the_sink() -> None:
    def broken(call_id: str, paused: bool) -> None:
        raise ConnectionError("redis is away")

    sink = RecordingPauseSink("call-8", broken)
    sink.final(heard("card number 4111 1111 1111 1111", 0))  # type: ignore[arg-type]
    sink.leg_closed(LEG)
