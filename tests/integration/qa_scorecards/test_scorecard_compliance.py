"""Scorecards with the real compliance engine and the packaged rules, replayed over a stored call."""

from __future__ import annotations

from pathlib import Path

import pytest
from scorecard_helpers import store_segment, stored_call
from sqlalchemy.orm import Session, sessionmaker

from config.models import Role
from config.settings import Settings
from qa.scorecards.access import Viewer
from qa.scorecards.schemas import ItemStatus
from qa.scorecards.services import scorecard_for_call
from qa.scorecards.tasks import compliance_check, score

pytestmark = pytest.mark.integration
QA = Viewer(1, Role.QA_MANAGER)


def items_of(factory: sessionmaker[Session], call_id: str) -> dict[str, object]:
    with factory() as session:
        return {i.key: i for i in scorecard_for_call(session, QA, call_id).items}


def test_a_forbidden_promise_and_a_missed_recording_notice_fail_their_items(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    check = compliance_check(Settings(data_dir=tmp_path))  # no rules file there: the packaged rules
    facts = stored_call(factory, "agent7")
    store_segment(factory, facts.call_id, "agent", 16.0, 19.0, "trust me, I guarantee you will make a profit")
    score(factory, facts, check)
    items = items_of(factory, facts.call_id)
    compliance, disclosure = items["compliance"], items["disclosure"]
    assert compliance.status is ItemStatus.FAILED  # type: ignore[attr-defined]
    assert [e.rule_id for e in compliance.evidence] == ["no-profit-guarantee"]  # type: ignore[attr-defined]
    assert compliance.evidence[0].start == pytest.approx(36.0)  # type: ignore[attr-defined]  # call clock
    assert disclosure.status is ItemStatus.FAILED  # type: ignore[attr-defined]
    assert "recording-disclosure" in [e.rule_id for e in disclosure.evidence]  # type: ignore[attr-defined]


def test_a_recording_notice_in_time_and_a_negated_promise_pass(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    check = compliance_check(Settings(data_dir=tmp_path))
    facts = stored_call(factory, "agent7")
    store_segment(
        factory, facts.call_id, "agent", 5.0, 8.0, "this call may be recorded for quality and training"
    )
    store_segment(factory, facts.call_id, "agent", 16.0, 19.0, "there is no guarantee you will make money")
    score(factory, facts, check)
    items = items_of(factory, facts.call_id)
    assert items["disclosure"].status is ItemStatus.PASSED  # type: ignore[attr-defined]
    assert items["compliance"].status is ItemStatus.PASSED  # type: ignore[attr-defined]


def test_a_broken_rules_file_still_scores_the_call_without_compliance_items(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    (tmp_path / "compliance_rules.yaml").write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    check = compliance_check(Settings(data_dir=tmp_path))
    assert check is None
    facts = stored_call(factory, "agent7")
    score(factory, facts, check)
    items = items_of(factory, facts.call_id)
    assert items["compliance"].status is ItemStatus.NOT_APPLICABLE  # type: ignore[attr-defined]
    assert items["greeting"].status is ItemStatus.PASSED  # type: ignore[attr-defined]
