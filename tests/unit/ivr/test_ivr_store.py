"""Flows are replaced atomically: a broken flow is refused and the running flow stays in use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ivr_helpers import MAIN_FLOW

from telephony.ivr import FlowNotFoundError, FlowSource, FlowStore, IvrFlowError

GOOD = MAIN_FLOW.read_text(encoding="utf-8")
BROKEN = GOOD.replace("next: choose_language", "next: choose_langauge")


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    (tmp_path / "main.yaml").write_text(GOOD, encoding="utf-8")
    return FlowStore(tmp_path)


def test_the_current_flow_is_loaded_once_and_cached(store: FlowStore) -> None:
    assert store.current("main") is store.current("main")
    assert store.names() == ["main"]


def test_a_broken_replacement_is_refused_naming_the_node_and_nothing_changes(store: FlowStore) -> None:
    running = store.current("main")
    with pytest.raises(IvrFlowError) as info:
        store.replace("main", BROKEN)
    assert "node 'welcome': next goes to 'choose_langauge', which is not a node" in str(info.value)
    assert store.current("main") is running
    assert store.path_of("main").read_text(encoding="utf-8") == GOOD
    assert [p.name for p in store.directory.iterdir()] == ["main.yaml"]  # no temp file left behind


def test_a_good_replacement_is_written_and_used_for_new_calls(store: FlowStore) -> None:
    new_text = GOOD.replace("Thank you for calling Voxdesk.", "Hello from Voxdesk.")
    flow = store.replace("main", new_text)
    assert store.current("main") is flow
    assert "Hello from Voxdesk." in store.path_of("main").read_text(encoding="utf-8")


def test_another_process_changing_the_file_is_picked_up(store: FlowStore) -> None:
    old = store.current("main")
    path = store.path_of("main")
    path.write_text(GOOD.replace("Voxdesk.", "Voxdesk today."), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert store.current("main") is not old


def test_a_broken_file_on_disk_keeps_the_last_good_flow_running(store: FlowStore) -> None:
    old = store.current("main")
    path = store.path_of("main")
    path.write_text(BROKEN, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert store.current("main") is old


def test_a_broken_file_never_loaded_before_raises(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(IvrFlowError):
        FlowStore(tmp_path).current("main")


def test_names_that_could_escape_the_directory_are_refused(store: FlowStore) -> None:
    with pytest.raises(IvrFlowError, match="flow names use"):
        store.replace("../etc/passwd", GOOD)
    with pytest.raises(FlowNotFoundError):
        store.current("sales")


def test_an_oversized_flow_is_refused(store: FlowStore) -> None:
    with pytest.raises(IvrFlowError, match="larger than"):
        store.replace("main", GOOD + "#" * 300_000)


def test_a_flow_source_starts_each_call_on_the_flow_in_use(store: FlowStore) -> None:
    assert FlowSource.for_file(store.path_of("main")).new_session("1").flow.start == "welcome"
    source = FlowSource(store, "main")
    first = source.new_session("+15550100")
    assert first.variables["caller_id"] == "+15550100" and first.flow is store.current("main")
    store.replace("main", GOOD.replace("Thank you for calling Voxdesk.", "Hello."))
    assert source.new_session("+15550100").start()[0].text == "Hello."
    assert first.start()[0].text == "Thank you for calling Voxdesk."  # a call in progress keeps its flow
