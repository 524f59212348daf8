"""The QA console's routes: a call's recording only to those who may read the call (audited), byte
ranges checked (416, never a 500), no file outside the recording folder through a record's name,
the search and review closed to agents, wildcards in a phrase taken literally, pages without inline
scripts."""

from __future__ import annotations

import io
import re
import wave
from datetime import UTC, datetime, timedelta

import pytest
from security_helpers import SecureApp
from sqlalchemy import select

from config.models import AuditEntry, SipCredential
from telephony.records.models import CallRecord
from tickets.conversations.models import AuthorKind, Channel, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.customers.models import Customer

ROUTE = "/api/calls/records/{call}/recording"


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(range(256)) * int(seconds * rate * 2 / 256))
    return out.getvalue()


def recorded_call(
    app: SecureApp, call_id: str, agent: str, name: str | None, audio: bytes | None = None
) -> None:
    """A finished call of SIP user ``agent`` whose record names recording ``name`` (written if given)."""
    folder = app.data_dir / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    if audio is not None and name is not None:
        (folder / f"{name}.wav").write_bytes(audio)
    offered = datetime.now(UTC) - timedelta(minutes=5)
    with app.app.state.session_factory() as session:
        session.add(CallRecord(call_id=call_id, agent_id=agent, disposition="answered", offered_at=offered,
                               answered_at=offered + timedelta(seconds=10),
                               ended_at=offered + timedelta(minutes=2), recording_name=name))  # fmt: skip
        session.commit()


def give_sip_account(app: SecureApp, username: str, sip: str) -> None:
    with app.app.state.session_factory() as session:
        session.add(SipCredential(user_id=app.ids[username], username=sip, ha1="0" * 32))
        session.commit()


def test_the_recording_goes_to_readers_of_the_call_in_ranges_and_every_listening_is_audited(
    secure_app: SecureApp,
) -> None:
    audio = wav_bytes()
    recorded_call(secure_app, "call-rec-1", "ag-one", "voxdesk-call-rec-1", audio)
    give_sip_account(secure_app, "agent1", "ag-one")
    give_sip_account(secure_app, "agent2", "ag-two")
    client, url = secure_app.client, ROUTE.format(call="call-rec-1")

    whole = client.get(url, headers=secure_app.bearer("qa"))
    assert whole.status_code == 200 and whole.content == audio
    assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    assert "no-store" in whole.headers["cache-control"]
    part = client.get(url, headers={**secure_app.bearer("supervisor"), "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == audio[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(audio)}"
    tail = client.get(url, headers={**secure_app.bearer("admin"), "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == audio[-10:]
    assert client.get(url, headers=secure_app.bearer("agent1")).content == audio  # agent1 took the call
    assert client.get(url, headers=secure_app.bearer("agent2")).status_code == 404  # not theirs: as missing
    assert client.get(ROUTE.format(call="no-such-call"), headers=secure_app.bearer("qa")).status_code == 404
    assert client.get(url).status_code == 401

    with secure_app.app.state.session_factory() as session:
        action = "GET /api/calls/records/{call_id}/recording"  # the route's template, never the URL
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
    heard = sorted((e.actor, e.status, e.target) for e in entries if e.target == "call_id=call-rec-1")
    assert heard == [
        ("agent1", 200, "call_id=call-rec-1"),
        ("agent2", 404, "call_id=call-rec-1"),
        ("qa", 200, "call_id=call-rec-1"),
    ]  # fmt: skip  (ranges past byte 0 are one listening)


@pytest.mark.parametrize(
    "header",
    ["bytes=abc", "bytes=5-2", "bytes=99999999-", "items=0-1", "bytes=0-1,5-6", "bytes=", "bytes=-0",
     "bytes=--1", "bytes=1-2-3", "bytes=-", "bytes=99999999999999999999999-", "bytes= 1 - 2 "],
)  # fmt: skip
def test_a_malformed_or_unsatisfiable_range_answers_416_with_the_length(
    secure_app: SecureApp, header: str
) -> None:
    audio = wav_bytes()
    recorded_call(secure_app, "call-rng-1", "ag-one", "voxdesk-call-rng-1", audio)
    answer = secure_app.client.get(
        ROUTE.format(call="call-rng-1"), headers={**secure_app.bearer("qa"), "Range": header}
    )
    assert answer.status_code == 416, answer.text
    assert answer.headers["content-range"] == f"bytes */{len(audio)}"


def test_a_recording_name_that_is_a_path_or_a_link_out_of_the_folder_finds_nothing(
    secure_app: SecureApp,
) -> None:
    outside = secure_app.data_dir / "secret.wav"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_bytes(wav_bytes())
    folder = secure_app.data_dir / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "voxdesk-link.wav").symlink_to(outside)
    names = ["../secret", "../../etc/passwd", "/etc/passwd", "sub/../../secret", "..", ".hidden",
             "voxdesk-link", "a\x00b", "voxdesk-missing"]  # fmt: skip
    for number, name in enumerate(names):
        call_id = f"call-trav-{number}"
        recorded_call(secure_app, call_id, "ag-one", name)
        answer = secure_app.client.get(ROUTE.format(call=call_id), headers=secure_app.bearer("admin"))
        assert answer.status_code == 404, (name, answer.status_code)
        assert b"RIFF" not in answer.content


def test_agents_may_not_search_or_open_reviews_and_the_qa_manager_lands_on_the_qa_page(
    secure_app: SecureApp,
) -> None:
    client = secure_app.client
    for path in ("/api/qa/search?q=refund", "/api/qa/calls/call-1/review"):
        assert client.get(path, headers=secure_app.bearer("agent1")).status_code == 403, path
        assert client.get(path).status_code == 401, path
    client.post("/api/auth/token", json={"username": "agent1", "password": "agent1-Vox-7rq-long"})
    assert client.get("/qa").status_code == 403 and client.get("/qa/calls/call-1").status_code == 403
    client.post("/api/auth/token", json={"username": "qa", "password": "qa-manager-Vox-7rq-long"})
    assert client.get("/", follow_redirects=False).headers["location"] == "/qa"
    for path in ("/qa", "/qa/calls/call-1"):
        page = client.get(path)
        assert page.status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), "an inline script breaks the CSP"
    quoted = client.get('/qa/calls/x"><script>')
    assert quoted.status_code == 422 and quoted.headers["content-type"] == "application/json"  # not a page


def test_wildcards_in_a_phrase_are_text(secure_app: SecureApp) -> None:
    with secure_app.app.state.session_factory() as session:
        customer = Customer(display_name="Shopper")
        session.add(customer)
        session.flush()
        thread = open_conversation(session, customer.id, Channel.WEBCHAT, "chat-wild")
        add_message(session, thread, Direction.INBOUND, AuthorKind.CUSTOMER, "is 50 off still on")
        add_message(session, thread, Direction.INBOUND, AuthorKind.CUSTOMER, "I saw 50% off today")
    found = secure_app.client.get("/api/qa/search", params={"q": "50% off"}, headers=secure_app.bearer("qa"))
    assert [hit["text"] for hit in found.json()["items"]] == ["I saw 50% off today"]
    underscore = secure_app.client.get(
        "/api/qa/search", params={"q": "50_off"}, headers=secure_app.bearer("qa")
    )
    assert underscore.json()["items"] == []


def test_the_export_is_for_the_floor_only_and_is_audited(secure_app: SecureApp) -> None:
    url = "/api/qa/search.csv?q=refund"
    assert secure_app.client.get(url, headers=secure_app.bearer("agent1")).status_code == 403
    answer = secure_app.client.get(url, headers=secure_app.bearer("qa"))
    assert answer.status_code == 200 and answer.text.lstrip("\ufeff").startswith("sent_at,channel,call_id")
    with secure_app.app.state.session_factory() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "GET /api/qa/search.csv")).one()
    assert (entry.actor, entry.status, entry.target) == ("qa", 200, "rows=0")
