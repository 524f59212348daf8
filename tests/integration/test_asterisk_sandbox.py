"""The Asterisk sandbox against the real Asterisk 22 in its chroot."""

from __future__ import annotations

import os

import httpx
import pytest
from asterisk_support import RunningAsterisk

from telephony.sandbox import AsteriskSandbox

pytestmark = pytest.mark.integration


def test_ari_answers_asterisk_info_with_the_generated_credentials(asterisk: RunningAsterisk) -> None:
    response = httpx.get(f"{asterisk.ari.url}/asterisk/info", auth=asterisk.ari.auth, timeout=5)
    assert response.status_code == 200
    assert response.json()["system"]["version"].startswith("22.")
    refused = httpx.get(f"{asterisk.ari.url}/asterisk/info", auth=(asterisk.ari.user, "wrong"), timeout=5)
    assert refused.status_code == 401


def test_generated_ari_password_is_kept_private_in_the_data_dir(asterisk: RunningAsterisk) -> None:
    secret = asterisk.sandbox.settings.data_dir / "asterisk" / "ari-password"
    assert secret.read_text().strip() == asterisk.ari.password
    assert os.stat(secret).st_mode & 0o777 == 0o600


def test_status_reports_pid_ari_and_version(asterisk: RunningAsterisk) -> None:
    status = asterisk.sandbox.status()
    assert status.running and status.ari_answers
    assert status.pid is not None and status.mode == "sandbox"
    assert status.version is not None and status.version.startswith("22.")


def test_cli_shows_the_agent_endpoint_and_the_loopback_caller(asterisk: RunningAsterisk) -> None:
    endpoints = asterisk.sandbox.cli("pjsip show endpoints")
    assert asterisk.agent.username in endpoints
    assert "caller" in endpoints
    assert "Stasis(voxdesk,inbound)" in asterisk.sandbox.cli("dialplan show voxdesk-inbound")


def test_up_again_reloads_instead_of_starting_a_second_asterisk(asterisk: RunningAsterisk) -> None:
    pid = asterisk.sandbox.status().pid
    ari = asterisk.sandbox.up(agents=[asterisk.agent.credential])
    assert ari == asterisk.ari
    assert asterisk.sandbox.last_up is not None and asterisk.sandbox.last_up.reloaded
    assert asterisk.sandbox.status().pid == pid


def test_down_leaves_no_asterisk_process_and_up_starts_it_again(asterisk: RunningAsterisk) -> None:
    # A second facade on the same settings finds the process through the PID file, as the CLI does.
    other = AsteriskSandbox(asterisk.sandbox.settings)
    pid = other.status().pid
    assert pid is not None
    try:
        assert other.down() is True
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split(")")[1][:3]
        assert other.status().running is False
        assert other.down() is False  # idempotent
    finally:
        asterisk.sandbox.up(agents=[asterisk.agent.credential])  # up again for the rest of the session
    assert asterisk.sandbox.status().ari_answers


def test_a_port_another_program_holds_is_named_in_the_error(
    asterisk: RunningAsterisk, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import socket

    from config.errors import SandboxError

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        base = asterisk.sandbox.settings
        settings = base.model_copy(update={
            "data_dir": tmp_path_factory.mktemp("busy-port"),
            "asterisk": base.asterisk.model_copy(update={"http_port": busy}),
        })  # fmt: skip
        with pytest.raises(SandboxError, match=rf"port 127\.0\.0\.1:{busy} is in use.*asterisk\.http_port"):
            AsteriskSandbox(settings).up()
