"""Keeping ``voxdesk up``'s children running: restart a dead one with backoff, leave the others alone.

A child that dies (a crash, an OOM kill, ``kill -9``) is started again after a delay that doubles
with every quick death (0.5 s, 1 s, 2 s ... up to 30 s), so a child that cannot start does not spin
the machine; once it has stayed up for a minute, its next death counts as the first again. The
rest of the system, Asterisk and its live calls included, never notices beyond the lost process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Backoff:
    """How long to wait before the next start of one child."""

    first: float = 0.5
    factor: float = 2.0
    longest: float = 30.0
    stable_after: float = 60.0  # up this long: the child was healthy, start the ladder again
    _next: float = field(default=0.0, init=False, repr=False)

    def delay(self, up_for: float) -> float:
        """The wait before restarting a child that died after running ``up_for`` seconds."""
        if self._next == 0.0 or up_for >= self.stable_after:
            self._next = self.first
        delay = self._next
        self._next = min(self._next * self.factor, self.longest)
        return delay


class Supervised(Protocol):
    """One child process as the supervisor sees it (``ChildProcess``; a fake in unit tests)."""

    name: str

    def start(self, env: dict[str, str]) -> None: ...

    def alive(self) -> bool: ...

    def exit_code(self) -> int | None: ...

    def reap(self) -> None: ...


@dataclass
class _Watch:
    child: Supervised
    backoff: Backoff
    started_at: float
    restart_at: float | None = None
    restarts: int = 0


class Restarter:
    """Restarts dead children with backoff; call :meth:`check` a few times a second.

    ``clock`` is monotonic seconds and ``say`` prints one line for the operator (both fakeable).
    """

    def __init__(
        self,
        children: Sequence[Supervised],
        env: Mapping[str, str],
        clock: Callable[[], float],
        say: Callable[[str], None],
        make_backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.env = dict(env)
        self.clock = clock
        self.say = say
        now = clock()
        self._watches = [_Watch(child, make_backoff(), now) for child in children]

    def restarts(self, name: str) -> int:
        return next(w.restarts for w in self._watches if w.child.name == name)

    def check(self) -> None:
        now = self.clock()
        for watch in self._watches:
            if watch.restart_at is None:
                if watch.child.alive():
                    continue
                code = watch.child.exit_code()
                watch.child.reap()  # what the dead child left in its process group goes too
                up_for = now - watch.started_at
                delay = watch.backoff.delay(up_for)
                watch.restart_at = now + delay
                self.say(
                    f"{watch.child.name} died ({_describe(code)}) after {up_for:.1f} s; "
                    f"restarting it in {delay:.1f} s"
                )
            elif now >= watch.restart_at:
                watch.restart_at = None
                watch.restarts += 1
                watch.started_at = now
                try:
                    watch.child.start(self.env)
                except OSError as exc:  # the executable vanished: count it as a quick death
                    self.say(f"{watch.child.name} could not be started again: {exc}")
                    continue
                self.say(f"{watch.child.name} restarted (restart {watch.restarts})")


def _describe(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        return f"killed by signal {-code}"
    return f"exit code {code}"
