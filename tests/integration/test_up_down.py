"""`voxdesk up` brings every part up on embedded defaults; `voxdesk down` and Ctrl-C leave nothing behind."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

VOXDESK = [sys.executable, "-m", "voxdesk.cli"]


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes_of(data_dir: Path) -> list[int]:
    """Every live process started for this data dir (children inherit VOXDESK_DATA_DIR)."""
    marker = f"VOXDESK_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "status").read_text()
        except OSError:
            continue
        if marker in environ.split(b"\0") and "State:\tZ" not in state:
            found.append(int(entry.name))
    return found


@pytest.fixture
def up_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXDESK_")}
    rtp = free_port(socket.SOCK_DGRAM) // 100 * 100
    env.update({
        "VOXDESK_DATA_DIR": str(tmp_path / "data"),
        "VOXDESK_WEB__PORT": str(free_port()),
        "VOXDESK_REDIS__EMBEDDED_PORT": str(free_port()),
        "VOXDESK_CHANNELS__SMTP_PORT": str(free_port()),
        "VOXDESK_ASR__MEDIA_CONTROL_PORT": str(free_port()),
        "VOXDESK_ASR__MEDIA_PORT_START": str(rtp + 200),
        "VOXDESK_ASR__MEDIA_PORT_END": str(rtp + 299),
        "VOXDESK_ASTERISK__MODE": "sandbox",
        "VOXDESK_ASTERISK__HTTP_PORT": str(free_port()),
        "VOXDESK_ASTERISK__SIP_PORT": str(free_port(socket.SOCK_DGRAM)),
        "VOXDESK_ASTERISK__RTP_START": str(rtp),
        "VOXDESK_ASTERISK__RTP_END": str(rtp + 98),
        "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    return env


@pytest.fixture
def running_voxdesk(up_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    log_path = tmp_path / "up.log"
    log = log_path.open("w")
    process = subprocess.Popen([*VOXDESK, "up"], env=up_env, stdout=log, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{up_env['VOXDESK_WEB__PORT']}/"
    deadline = time.monotonic() + 240  # the first sandbox install takes about a minute
    while "Voxdesk is running" not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"voxdesk up did not come up:\n{log_path.read_text()}")
        time.sleep(0.2)
    yield process, url
    if process.poll() is None:
        # A test that failed before `voxdesk down` must not leave Asterisk and the children running:
        # they have process groups of their own (the supervisor restarts them), so ask it to stop all.
        subprocess.run([*VOXDESK, "down"], env=up_env, capture_output=True, timeout=90, check=False)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    log.close()


def test_up_serves_a_healthy_console_with_asterisk_answering(
    running_voxdesk: tuple[subprocess.Popen[str], str], up_env: dict[str, str]
) -> None:
    process, url = running_voxdesk
    # Asterisk is reported by the controller's heartbeat: it comes once the controller has rendered
    # its prompts and connected to ARI.
    deadline = time.monotonic() + 90
    # Versions show only to a signed-in user: the demo supervisor's password is in the data dir.
    credentials = (Path(up_env["VOXDESK_DATA_DIR"]) / "demo-credentials.txt").read_text()
    password = re.search(r"^supervisor\s+supervisor\s+password=(\S+)", credentials, re.M)
    assert password is not None, credentials
    signed_in = httpx.post(
        url + "api/auth/token", json={"username": "supervisor", "password": password[1]}, timeout=10
    )
    assert signed_in.status_code == 200, signed_in.text
    auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    health = httpx.get(url + "health", headers=auth, timeout=10)
    while health.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        health = httpx.get(url + "health", headers=auth, timeout=10)
    assert health.status_code == 200, health.text
    checks = health.json()["checks"]
    assert checks["asterisk"]["ok"] and checks["asterisk"]["detail"].startswith("asterisk 22")
    assert checks["redis"]["ok"] and checks["database"]["detail"] == "sqlite"
    assert "Voxdesk console" in httpx.get(url + "status", timeout=10).text
    console = httpx.get(url, timeout=10, follow_redirects=True)  # the console starts at sign-in
    assert console.status_code == 200 and 'id="login-form"' in console.text, console.text[:300]
    assert httpx.get(url + "static/console/vendor/jssip.js", timeout=10).status_code == 200

    down = subprocess.run([*VOXDESK, "down"], env=up_env, capture_output=True, text=True, timeout=90)
    assert down.returncode == 0, down.stderr
    assert "Voxdesk stopped." in down.stdout
    assert process.wait(30) == 0
    assert processes_of(Path(up_env["VOXDESK_DATA_DIR"])) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "health", timeout=2)


def test_ctrl_c_stops_everything_it_started(
    running_voxdesk: tuple[subprocess.Popen[str], str], up_env: dict[str, str]
) -> None:
    process, _url = running_voxdesk
    data_dir = Path(up_env["VOXDESK_DATA_DIR"])
    assert len(processes_of(data_dir)) >= 7  # redis, asterisk, web, worker, mail, media, controller
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0
    deadline = time.monotonic() + 10
    while processes_of(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(data_dir) == []


def test_down_when_nothing_runs_says_so(up_env: dict[str, str]) -> None:
    result = subprocess.run([*VOXDESK, "down"], env=up_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "was not running" in result.stdout
