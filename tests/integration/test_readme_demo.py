"""The README's first-run examples, run as written against `voxdesk up` at whatever hour the test runs."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_up_down import VOXDESK, running_voxdesk, up_env  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration


def credentials(data_dir: Path) -> dict[str, dict[str, str]]:
    """demo-credentials.txt as {username: {"password": ..., "sip_password": ...}}."""
    found: dict[str, dict[str, str]] = {}
    for line in (data_dir / "demo-credentials.txt").read_text().splitlines()[1:]:
        _role, username, *pairs = line.split()
        found[username] = dict(pair.split("=", 1) for pair in pairs)
    return found


def bearer(url: str, username: str, password: str) -> dict[str, str]:
    signed = httpx.post(url + "api/auth/token", json={"username": username, "password": password}, timeout=10)
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['access_token']}"}


@pytest.fixture
def demo_up(
    running_voxdesk: tuple[subprocess.Popen[str], str],  # noqa: F811
    up_env: dict[str, str],  # noqa: F811
) -> Iterator[str]:
    """`voxdesk up` on a new data dir; stopped with `voxdesk down`, so its children go too."""
    yield running_voxdesk[1]
    subprocess.run([*VOXDESK, "down"], env=up_env, capture_output=True, timeout=90)


def call_ids(url: str, headers: dict[str, str]) -> set[str]:
    page = httpx.get(url + "api/calls/records", headers=headers, timeout=10)
    return {r["call_id"] for r in page.json()["items"]}


def newest_record(url: str, headers: dict[str, str], known: set[str], timeout: float = 20) -> dict[str, Any]:
    """The first call record that is not in ``known`` (the controller writes it after hang-up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = httpx.get(url + "api/calls/records", headers=headers, timeout=10)
        fresh = [r for r in page.json()["items"] if r["call_id"] not in known]
        if fresh:
            return dict(fresh[0])
        time.sleep(0.5)
    raise AssertionError("no call record was written for the call")


def test_the_readme_calls_reach_billing_and_read_an_order_back_in_english(
    demo_up: str, up_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    url = demo_up
    accounts = credentials(Path(up_env["VOXDESK_DATA_DIR"]))
    supervisor = bearer(url, "supervisor", accounts["supervisor"]["password"])
    known = call_ids(url, supervisor)
    assert {"demo-call-0001", "demo-call-0002"} <= known  # the demo's past calls

    # Its output goes to a file: a pipe nobody reads can fill and stall the command.
    softphone_log = (tmp_path / "softphone.log").open("w")
    softphone = subprocess.Popen(
        [*VOXDESK, "softphone", "--agent", "agent1", "--password", accounts["agent1"]["sip_password"],
         "--duration", "60"],
        env=up_env, stdout=softphone_log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # The softphone's registration logs agent1 in once that is wired; the API step does the same.
        agent1 = bearer(url, "agent1", accounts["agent1"]["password"])
        httpx.post(url + "api/agents/me/login", headers=agent1, timeout=10)
        state: dict[str, Any] = {}
        deadline = time.monotonic() + 30  # the controller takes the login once it is connected to ARI
        while state.get("status") != "available" and time.monotonic() < deadline:
            time.sleep(0.5)
            state = httpx.get(url + "api/agents/me", headers=agent1, timeout=10).json()
        assert state["status"] == "available" and state["skills"]["billing"] >= 1, state

        refund = subprocess.run(
            [*VOXDESK, "call", "1000", "--say", "I want a refund", "--dtmf", "1", "--dtmf", "2",
             "--record", str(tmp_path / "out.wav")],
            env=up_env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        assert refund.returncode == 0 and "answered=True" in refund.stdout, refund.stdout + refund.stderr
        record = newest_record(url, supervisor, known)
        known.add(record["call_id"])
        assert record["ivr_choice"] == "billing" and record["queue_id"] == "billing", record
        assert any("language en" in step for step in record["ivr_path"]), record["ivr_path"]
        assert "opening_hours:open" in record["ivr_path"], record["ivr_path"]
        assert record["agent_id"] == "agent1", record  # agent1's billing skill let the queue offer them
    finally:
        softphone.send_signal(signal.SIGINT)  # as Ctrl-C: the command stops its SIP user agent too
        try:
            softphone.wait(60)
        finally:
            if softphone.poll() is None:
                softphone.kill()
            softphone_log.close()
            print((tmp_path / "softphone.log").read_text()[-3000:])

    order = subprocess.run(
        [*VOXDESK, "call", "1000", "--dtmf", "1", "--dtmf", "3", "--dtmf", "100234#", "--hangup-after", "20",
         "--record", str(tmp_path / "order.wav")],
        env=up_env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert order.returncode == 0 and "answered=True" in order.stdout, order.stdout + order.stderr
    path = newest_record(url, supervisor, known)["ivr_path"]
    assert "find_order:found" in path and "read_order_status:played" in path, path
