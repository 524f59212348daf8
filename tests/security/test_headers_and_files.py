"""Issue 9, headers and files: security headers everywhere, no versions for strangers, private files, 413."""

from __future__ import annotations

import base64
import hashlib
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from security_helpers import SecureApp, make_settings

from config.migrate import upgrade
from web.app import create_app

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/", "/health", "/api/me", "/api/tickets", "/openapi.json",
                                  "/webchat/widget.js", "/no/such/page"])  # fmt: skip
def test_every_answer_carries_the_security_headers(secure_app: SecureApp, path: str) -> None:
    headers = secure_app.client.get(path).headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_api_docs_load_swagger_from_our_own_files_and_allow_only_its_start_up_script(
    secure_app: SecureApp,
) -> None:
    page = secure_app.client.get("/docs")
    assert page.status_code == 200
    assert 'src="/static/console/vendor/swagger-ui/swagger-ui-bundle.js"' in page.text
    assert "https://" not in page.text  # no CDN, no remote favicon, no validator badge
    policy = page.headers["content-security-policy"]
    assert "https:" not in policy and "cdn.jsdelivr.net" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    [start_up] = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(start_up.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy  # that exact script, nothing else inline
    assert "frame-ancestors 'none'" in policy
    assert secure_app.client.get("/redoc", follow_redirects=False).headers["location"] == "/docs"
    for asset in ("swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css"):
        assert secure_app.client.get(f"/static/console/vendor/{asset}").status_code == 200


def test_the_widget_script_is_served_as_javascript_so_nosniff_keeps_it_working(secure_app: SecureApp) -> None:
    answer = secure_app.client.get("/webchat/widget.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(("application/javascript", "text/javascript"))


@pytest.mark.parametrize("path", ["/static/console/vendor/jssip.js", "/static/console/vendor/htmx.min.js"])
def test_the_vendored_browser_libraries_are_served_as_javascript(secure_app: SecureApp, path: str) -> None:
    # Built by `voxdesk assets` (scripts/test runs it); missing files mean the set-up step did not run.
    answer = secure_app.client.get(path)
    assert answer.status_code == 200, f"{path} missing: run `voxdesk assets`"
    assert answer.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert answer.headers["x-content-type-options"] == "nosniff"
    if path.endswith("jssip.js"):
        assert "as default}" in answer.text  # one ES module whose default export is JsSIP
        assert "3.13.8" in answer.text


def test_strangers_see_up_or_down_without_versions_and_signed_in_users_see_details(
    secure_app: SecureApp,
) -> None:
    anonymous = secure_app.client.get("/health").json()
    assert anonymous["checks"]["database"] == {"ok": True, "state": "up"}
    assert anonymous["checks"]["redis"] == {"ok": True, "state": "up"}
    assert "redis " not in str(anonymous) and "sqlite" not in str(anonymous)
    page = secure_app.client.get("/status").text
    assert "redis " not in page and "sqlite" not in page and "up" in page
    signed_in = secure_app.client.get("/health", headers=secure_app.bearer("agent1")).json()
    assert signed_in["checks"]["redis"]["detail"].startswith("redis ")
    assert "redis " in secure_app.client.get("/status", headers=secure_app.bearer("agent1")).text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_0700_and_the_database_and_secrets_0600(secure_app: SecureApp) -> None:
    data = secure_app.data_dir
    assert _mode(data) == 0o700
    assert _mode(data / "voxdesk.db") == 0o600
    assert _mode(data / "secrets.json") == 0o600
    for companion in data.glob("voxdesk.db-*"):
        assert _mode(companion) == 0o600, companion


@pytest.fixture
def loose_data_dir(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "old-data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    yield data


def test_an_older_installs_loose_modes_are_tightened_at_start(loose_data_dir: Path, redis_url: str) -> None:
    settings = make_settings(loose_data_dir, redis_url)
    upgrade(settings.effective_database_url)
    (loose_data_dir / "voxdesk.db").chmod(0o644)
    (loose_data_dir / "secrets.json").write_text('{"web_secret": "old"}')
    (loose_data_dir / "secrets.json").chmod(0o644)
    create_app(settings)
    assert _mode(loose_data_dir) == 0o700
    assert _mode(loose_data_dir / "voxdesk.db") == 0o600
    assert _mode(loose_data_dir / "secrets.json") == 0o600


def test_an_oversized_chunked_body_answers_413(secure_app: SecureApp) -> None:
    limit = secure_app.app.state.settings.desk.max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"subject": "'
        for _ in range(limit // 4096 + 2):
            yield b"x" * 4096
        yield b'"}'

    client = TestClient(secure_app.app)
    headers = {**secure_app.bearer("admin"), "content-type": "application/json"}
    answer = client.post("/api/tickets", content=chunks(), headers=headers)
    assert answer.status_code == 413, answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
