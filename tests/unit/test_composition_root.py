"""The composition root lists every feature module that declares tables or background jobs."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from voxdesk.cli import app
from voxdesk.modules import MODEL_MODULES, TASK_MODULES

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ("config", "telephony", "asr", "routing", "qa", "tickets", "web")


def _modules_matching(pattern: str) -> set[str]:
    found = set()
    for package in FEATURES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if re.search(pattern, path.read_text(encoding="utf-8"), re.M):
                found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_module_with_celery_tasks_is_loaded_by_the_worker() -> None:
    assert _modules_matching(r"^@celery_app\.task") == set(TASK_MODULES)


def test_every_module_declaring_tables_is_in_the_model_list() -> None:
    assert _modules_matching(r"^class \w+\((?:\w+, )*Base\b") == set(MODEL_MODULES)


def test_every_feature_command_is_mounted_on_the_cli() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("up", "down", "asterisk", "call", "softphone", "controller", "models", "analyze",
                    "channels", "db", "settings"):
        assert re.search(rf"│ {command}\b", result.output), command
