"""A controller restarted after its predecessor was killed takes the lease over at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from telephony.controller import holder_died_here


def test_a_killed_controller_on_this_host_is_recognised_as_dead() -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    assert holder_died_here(f"{socket.gethostname()}:{int(gone.stdout)}")


def test_a_running_controller_or_one_on_another_host_keeps_its_lease() -> None:
    here = socket.gethostname()
    assert not holder_died_here(f"{here}:{os.getpid()}")
    assert not holder_died_here("some-other-host:1")
    assert not holder_died_here("test-controller-7")  # a custom id: wait for the lease to expire
