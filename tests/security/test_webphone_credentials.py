"""The browser phone's registration details: the user's own SIP account only, never cached, audited,
and the console's CSP lets the page reach the SIP WebSocket and nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from security_helpers import make_settings
from sqlalchemy import select

from config.accounts import create_user
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from config.models import AuditEntry, Role
from config.security import sip_ha1
from config.sessions import open_session_for
from web.app import create_app

pytestmark = pytest.mark.integration


def test_an_agent_reads_only_their_own_browser_phone_account_uncached_and_audited(
    tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path / "data", redis_url)
    asterisk = settings.asterisk.model_copy(update={"bind_address": "127.0.0.1", "http_port": 8099})
    settings = settings.model_copy(update={"asterisk": asterisk})
    upgrade(settings.effective_database_url)
    factory = make_session_factory(make_engine(settings.effective_database_url))
    with session_scope(factory) as session:
        ada = create_user(session, "ada", "Ada Lovelace", Role.AGENT, "ada-Vox-7rq-long", "sip-pass-ada").id
        bob = create_user(session, "bob", "Bob", Role.AGENT, "bob-Vox-7rq-long", "sip-pass-bob").id
        sup = create_user(session, "sue", "Sue", Role.SUPERVISOR, "sue-Vox-7rq-long", "sip-pass-sue").id
        nosip = create_user(session, "nina", "Nina", Role.AGENT, "nina-Vox-7rq-long").id
        qa = create_user(session, "quinn", "Quinn", Role.QA_MANAGER, "quinn-Vox-7rq-long", "sip-pass-q").id
    app = create_app(settings)
    client = TestClient(app)

    def bearer(user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {open_session_for(app.state.session_factory, user_id)}"}

    answer = client.get("/api/agents/me/webphone", headers=bearer(ada))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "ws_url": "ws://127.0.0.1:8099/ws",
        "sip_uri": "sip:ada-web@voxdesk",
        "authorization_user": "ada",
        "realm": "voxdesk",
        "ha1": sip_ha1("ada", "voxdesk", "sip-pass-ada"),
        "display_name": "Ada Lovelace",
    }
    assert "sip-pass" not in answer.text
    # The page may open the SIP WebSocket, and only that one besides its own origin.
    assert "connect-src 'self' ws://127.0.0.1:8099;" in answer.headers["content-security-policy"]
    assert client.get("/api/agents/me/webphone", headers=bearer(bob)).json()["authorization_user"] == "bob"
    supervisor = client.get("/api/agents/me/webphone", headers=bearer(sup))
    assert supervisor.json()["sip_uri"] == "sip:sue-web@voxdesk"
    missing = client.get("/api/agents/me/webphone", headers=bearer(nosip))
    assert missing.status_code == 404 and "no SIP account" in missing.text
    assert client.get("/api/agents/me/webphone", headers=bearer(qa)).status_code == 403
    assert client.get("/api/agents/me/webphone").status_code == 401
    with session_scope(factory) as session:
        wanted = AuditEntry.action == "sip.webphone_credentials_read"
        reads = session.scalars(select(AuditEntry).where(wanted))
        assert sorted((entry.actor, entry.target) for entry in reads) == [
            ("ada", f"user:{ada}"), ("bob", f"user:{bob}"), ("sue", f"user:{sup}"),
        ]  # fmt: skip
