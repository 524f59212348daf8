"""Calibration on the real app (SQLite and PostgreSQL): two QA managers score the same call blind,
then see each other's results and their agreement; the floor reads it; bad sheets are 422."""

from __future__ import annotations

from typing import Any

import pytest
from scorecard_helpers import QaApi, stored_call

from config.models import Role
from qa.scorecards.tasks import score

pytestmark = pytest.mark.integration


def scored_card(api: QaApi) -> tuple[int, dict[str, str]]:
    facts = stored_call(api.factory, "agent7")
    card_id = score(api.factory, facts, None).scorecard_id
    card = api.client.get(f"/api/qa/scorecards/{card_id}", headers=api.headers(Role.QA_MANAGER)).json()
    return card_id, {item["key"]: item["auto_status"] for item in card["items"]}


def flipped(status: str) -> str:
    return "failed" if status == "passed" else "passed"


def test_two_reviewers_score_blind_then_see_their_agreement(api: QaApi) -> None:
    card_id, auto = scored_card(api)
    url = f"/api/qa/scorecards/{card_id}/calibration"
    first, second = api.headers(Role.QA_MANAGER), api.headers(Role.QA_MANAGER)
    assert api.client.get(url, headers=first).json()["reviewers"] == 0

    mine = {**auto, "greeting": flipped(auto["greeting"])}
    answer = api.client.put(url, json={"items": mine}, headers=first)
    assert answer.status_code == 200, answer.text
    assert answer.json()["mine"]["items"] == mine and answer.json()["agreement"] is None
    blind: dict[str, Any] = api.client.get(url, headers=second).json()
    assert blind["reviewers"] == 1 and blind["entries"] == [] and blind["mine"] is None  # not before theirs

    theirs = {**auto, "silence": flipped(auto["silence"])}
    both = api.client.put(url, json={"items": theirs}, headers=second).json()
    assert both["reviewers"] == 2 and [e["items"] for e in both["entries"]] == [mine, theirs]
    agreed = (len(auto) - 2) / len(auto)  # they differ on greeting and silence
    assert (
        both["agreement"] == pytest.approx(round(agreed, 3))
        and both["pairs"][0]["agreement"] == both["agreement"]
    )
    assert both["disagreed"] == ["greeting", "silence"]
    floor = api.client.get(url, headers=api.headers(Role.SUPERVISOR)).json()
    assert floor["reviewers"] == 2 and floor["agreement"] == both["agreement"]

    again = {**auto, "greeting": flipped(auto["greeting"]), "silence": flipped(auto["silence"])}
    replaced = api.client.put(url, json={"items": again}, headers=second).json()
    assert replaced["reviewers"] == 2 and replaced["disagreed"] == ["silence"]  # one's own sheet, replaced
    card = api.client.get(f"/api/qa/scorecards/{card_id}", headers=first).json()
    assert card["reviewed"] is False  # calibration never changes the scorecard itself


def test_only_qa_calibrates_and_a_sheet_must_score_every_item(api: QaApi) -> None:
    card_id, auto = scored_card(api)
    url = f"/api/qa/scorecards/{card_id}/calibration"
    c, qa = api.client, api.headers(Role.QA_MANAGER)
    assert c.put(url, json={"items": auto}, headers=api.headers(Role.SUPERVISOR)).status_code == 403
    took_the_call = api.headers(Role.AGENT, sip="agent7")
    assert c.put(url, json={"items": auto}, headers=took_the_call).status_code == 403
    assert c.put(url, json={"items": auto}, headers=api.headers(Role.AGENT, sip="agent8")).status_code == 404
    assert c.get(url, headers=took_the_call).status_code == 403
    missing = dict(list(auto.items())[1:])
    bad = [{"items": missing}, {"items": {**auto, "charm": "passed"}}, {"items": {**auto, "greeting": "meh"}},
           {"items": {}}, {"items": auto, "total": 50}]  # fmt: skip
    for body in bad:
        answer = c.put(url, json=body, headers=qa)
        assert answer.status_code == 422, (body, answer.text)
    assert c.put("/api/qa/scorecards/999999/calibration", json={"items": auto}, headers=qa).status_code == 404
    assert c.put(url, json={"items": auto}, headers=api.headers(Role.ADMIN)).status_code == 200
