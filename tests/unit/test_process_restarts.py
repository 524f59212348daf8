"""``voxdesk up`` restarts a dead child with backoff and leaves the other children alone."""

from __future__ import annotations

from voxdesk.restarts import Backoff, Restarter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeChild:
    """A child process whose death the test decides."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.running = True
        self.code: int | None = None
        self.starts: list[dict[str, str]] = []
        self.reaped = 0

    def start(self, env: dict[str, str]) -> None:
        self.starts.append(env)
        self.running, self.code = True, None

    def alive(self) -> bool:
        return self.running

    def exit_code(self) -> int | None:
        return self.code

    def reap(self) -> None:
        self.reaped += 1

    def die(self, code: int = -9) -> None:
        self.running, self.code = False, code


def make(*names: str) -> tuple[Restarter, FakeClock, dict[str, FakeChild], list[str]]:
    clock, said = FakeClock(), list[str]()
    children = {name: FakeChild(name) for name in names}
    restarter = Restarter(list(children.values()), {"VOXDESK_X": "1"}, clock, said.append)
    return restarter, clock, children, said


def test_backoff_doubles_from_half_a_second_up_to_thirty_seconds() -> None:
    backoff = Backoff()
    assert [backoff.delay(up_for=1.0) for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_backoff_starts_again_at_half_a_second_after_a_minute_of_good_health() -> None:
    backoff = Backoff()
    for _ in range(5):
        backoff.delay(up_for=2.0)
    assert backoff.delay(up_for=60.0) == 0.5
    assert backoff.delay(up_for=3.0) == 1.0


def test_a_killed_media_worker_is_restarted_after_the_delay_and_the_others_are_left_alone() -> None:
    restarter, clock, children, said = make("web", "media", "controller")
    clock.now += 30
    children["media"].die(-9)
    restarter.check()
    assert children["media"].reaped == 1 and children["media"].starts == []
    assert said == ["media died (killed by signal 9) after 30.0 s; restarting it in 0.5 s"]
    clock.now += 0.4
    restarter.check()
    assert children["media"].starts == []
    clock.now += 0.1
    restarter.check()
    assert children["media"].starts == [{"VOXDESK_X": "1"}] and children["media"].alive()
    assert said[-1] == "media restarted (restart 1)"
    assert children["web"].starts == [] and children["controller"].starts == []
    assert children["web"].reaped == 0 and children["controller"].reaped == 0
    assert restarter.restarts("media") == 1 and restarter.restarts("web") == 0


def test_a_child_that_keeps_crashing_waits_longer_each_time_and_a_healthy_minute_resets_it() -> None:
    restarter, clock, children, said = make("controller")
    child = children["controller"]
    waits = []
    for _ in range(4):
        clock.now += 1
        child.die(1)
        restarter.check()
        waits.append(said[-1].rsplit(" in ", 1)[1])
        while not child.alive():
            clock.now += 0.25
            restarter.check()
    assert waits == ["0.5 s", "1.0 s", "2.0 s", "4.0 s"]
    assert "exit code 1" in said[0]
    clock.now += 61
    child.die(1)
    restarter.check()
    assert said[-1].endswith("restarting it in 0.5 s")


def test_a_child_that_cannot_be_started_again_is_retried_with_backoff() -> None:
    restarter, clock, children, said = make("mail")
    child = children["mail"]

    def broken_start(env: dict[str, str]) -> None:
        raise FileNotFoundError("python vanished")

    child.start = broken_start  # type: ignore[method-assign]
    child.die(1)
    restarter.check()
    clock.now += 0.5
    restarter.check()
    assert "could not be started again" in said[-1]
    restarter.check()
    assert said[-1].endswith("restarting it in 1.0 s")
