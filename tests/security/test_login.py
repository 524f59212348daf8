"""Issue 9, log-in: throttling, equal timing, bounded Argon2 work, password policy, change and reset."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from security_helpers import PASSWORDS, SecureApp, make_settings

from config.accounts import create_user
from config.db import session_scope
from config.errors import LoginThrottledError
from config.migrate import upgrade
from config.models import Role
from config.security import hash_password
from web.app import create_app
from web.login_guard import LoginGuard, MemoryCounters, RedisCounters, ThrottlePolicy

pytestmark = pytest.mark.integration


def sign_in(env: SecureApp, username: str, password: str) -> httpx.Response:
    return env.client.post("/api/auth/token", json={"username": username, "password": password})


def test_after_100_wrong_passwords_the_right_one_is_refused_for_a_while(secure_app: SecureApp) -> None:
    codes = [sign_in(secure_app, "agent1", f"wrong-guess-{n}").status_code for n in range(100)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}  # locked after five failures
    right = sign_in(secure_app, "agent1", PASSWORDS["agent1"])
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) >= 1


def test_an_unknown_user_takes_as_long_to_refuse_as_a_known_one(secure_app: SecureApp) -> None:
    def timed(username: str) -> float:
        started = time.perf_counter()
        assert sign_in(secure_app, username, "not-the-password").status_code == 401
        return time.perf_counter() - started

    known = statistics.median(timed("agent2") for _ in range(4))  # below the lockout threshold
    unknown = statistics.median(timed(f"nobody{n}") for n in range(4))
    assert 0.5 < unknown / known < 2, (known, unknown)


async def test_a_real_users_sign_in_stays_under_a_second_while_120_wrong_ones_flood(
    secure_app: SecureApp,
) -> None:
    attacker = httpx.AsyncClient(transport=httpx.ASGITransport(secure_app.app, client=("203.0.113.7", 4000)),
                                 base_url="http://voxdesk")  # fmt: skip
    agent = httpx.AsyncClient(transport=httpx.ASGITransport(secure_app.app, client=("198.51.100.5", 5000)),
                              base_url="http://voxdesk")  # fmt: skip

    async def wrong(n: int) -> int:
        answer = await attacker.post("/api/auth/token", json={"username": "supervisor", "password": f"w{n}"})
        return answer.status_code

    async def real_sign_in() -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        credentials = {"username": "agent1", "password": PASSWORDS["agent1"]}
        answer = await agent.post("/api/auth/token", json=credentials)
        return answer, time.perf_counter() - started

    async with attacker, agent:
        quiet = min([(await real_sign_in())[1] for _ in range(2)])  # this machine's Argon2 cost right now
        flood = [asyncio.create_task(wrong(n)) for n in range(120)]
        await asyncio.sleep(0.05)  # the flood is in
        answer, latency = await real_sign_in()
        codes = await asyncio.gather(*flood)
    assert answer.status_code == 200
    print(f"real sign-in: {quiet * 1000:.0f} ms alone, {latency * 1000:.0f} ms during the flood")
    # Goal: under 1 s (bench/login_flood.py measures it on a real server). Here the 120 clients share
    # the server's event loop, so on a loaded machine the bound is six sign-ins' time; it was 24 s.
    assert latency < max(1.0, 6 * quiet), f"{latency:.2f} s during the flood, {quiet:.2f} s alone"
    assert set(codes) <= {401, 429} and codes.count(401) <= 10


WEAK = ["1234567890", "short-Pw1", "password1234", "qwertyuiop123", "aaaaaaaaaaaaaa", "newagent-2024-x"]


@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_password_is_refused_when_an_admin_creates_a_user(secure_app: SecureApp, weak: str) -> None:
    body = {"username": "newagent", "display_name": "New", "role": "supervisor", "password": weak}
    answer = secure_app.client.post("/api/admin/users", json=body, headers=secure_app.bearer("admin"))
    assert answer.status_code == 422, answer.text
    assert weak not in answer.text


def test_a_user_changes_their_password_with_the_current_one_and_signs_in_with_the_new(
    secure_app: SecureApp,
) -> None:
    headers = secure_app.bearer("agent2")
    url = "/api/auth/password"
    current, new = PASSWORDS["agent2"], "Tide-Lantern-83x"
    wrong = secure_app.client.post(url, headers=headers, json={"current_password": "no", "new_password": new})
    assert wrong.status_code == 403
    weak = secure_app.client.post(url, headers=headers,
                                  json={"current_password": current, "new_password": "password1234"})
    assert weak.status_code == 422
    body = {"current_password": current, "new_password": new}
    done = secure_app.client.post(url, headers=headers, json=body)
    assert done.status_code == 204
    assert sign_in(secure_app, "agent2", PASSWORDS["agent2"]).status_code == 401
    assert sign_in(secure_app, "agent2", "Tide-Lantern-83x").status_code == 200


def test_an_admin_resets_a_users_password_and_an_agent_cannot(secure_app: SecureApp) -> None:
    url = f"/api/admin/users/{secure_app.ids['agent1']}/password"
    new = {"new_password": "Copper-Harbour-52k"}
    assert secure_app.client.post(url, json=new, headers=secure_app.bearer("agent2")).status_code == 403
    assert secure_app.client.post(url, json=new, headers=secure_app.bearer("admin")).status_code == 204
    assert sign_in(secure_app, "agent1", "Copper-Harbour-52k").status_code == 200


def test_a_422_never_echoes_a_submitted_password(secure_app: SecureApp) -> None:
    secret = "my-Secret-Pass-\x00" + "x" * 300  # too long: refused by the schema
    answer = secure_app.client.post("/api/auth/token", json={"username": "agent1", "password": secret})
    assert answer.status_code == 422
    assert "my-Secret-Pass" not in answer.text
    body = {"username": "bad name!", "display_name": "x", "role": "agent", "password": "Echo-Me-Not-9931"}
    answer = secure_app.client.post("/api/admin/users", json=body, headers=secure_app.bearer("admin"))
    assert answer.status_code == 422
    assert "Echo-Me-Not" not in answer.text


def test_without_redis_each_worker_still_locks_out_with_counters_of_its_own(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    upgrade(settings.effective_database_url)
    app = create_app(settings)
    with session_scope(app.state.session_factory) as session:
        create_user(session, "agent1", "One", Role.AGENT, PASSWORDS["agent1"])
    client = TestClient(app)
    right = {"username": "agent1", "password": PASSWORDS["agent1"]}
    assert client.post("/api/auth/token", json=right).status_code == 200
    codes = [client.post("/api/auth/token", json={"username": "agent1", "password": "x"}).status_code
             for _ in range(8)]  # fmt: skip
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert client.post("/api/auth/token", json=right).status_code == 429


async def test_password_checks_beyond_the_pool_and_its_queue_are_refused_at_once() -> None:
    guard = LoginGuard(MemoryCounters(), ThrottlePolicy(hash_workers=1, hash_queue=2))
    stored = hash_password("Some-Long-Password-1")
    checks = (guard.verify(stored, "wrong") for _ in range(8))
    outcomes = await asyncio.gather(*checks, return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, LoginThrottledError)]
    assert outcomes.count(False) == 3  # one hashing, two waiting
    assert len(refused) == 5 and all(o.retry_after == 1 for o in refused)


async def test_a_redis_hiccup_does_not_reset_a_count_this_worker_has_seen(redis_url: str) -> None:
    store = RedisCounters(redis_url, MemoryCounters())
    key = f"sec-test:{time.time_ns()}:failures"
    try:
        assert [await store.incr(key, 60) for _ in range(3)] == [1, 2, 3]
        store._down_until = time.monotonic() + 60  # Redis timed out a moment ago (a loaded machine)
        assert await store.incr(key, 60) == 4  # this worker's copy goes on; it does not start at 1
    finally:
        store._down_until = 0.0
        await store.clear(key)
