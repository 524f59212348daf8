"""Which Asterisk sounds an IVR prompt may name with ``sound:``.

Asterisk resolves ``sound:<name>`` under its sounds directory, and a name with ``..`` or a leading
``/`` reaches any file the PBX can read; so a name must be a safe relative name and one of the
sounds that exist: the core sounds of ``asterisk-core-sounds-en`` (the package the sandbox
installs), listed in ``asterisk_sounds.txt`` next to this module. The web app checks flows without
a view of Asterisk's disk (it may run elsewhere), hence a packaged list rather than a directory scan.
Text prompts are synthesised by :mod:`telephony.ivr.prompts` and need no name.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SOUND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*){0,3}")
MAX_SOUND_NAME = 128
SOUND_LIST = Path(__file__).with_name("asterisk_sounds.txt")


@cache
def known_sounds() -> frozenset[str]:
    """The sound names an IVR flow may play (read once from the packaged list)."""
    lines = SOUND_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def sound_problem(name: str) -> str | None:
    """Why ``name`` cannot be played, or None when it is a known sound."""
    if len(name) > MAX_SOUND_NAME or not SOUND_NAME.fullmatch(name):
        return (
            f"sound {name[:80]!r} is not a sound name (letters, digits, '-' and '_', parts joined by '/'; "
            "no '..', no absolute path, no extension)"
        )
    if name not in known_sounds():
        return (
            f"sound {name!r} does not exist (Asterisk's core sounds such as 'beep', 'hello-world' or "
            "'vm-goodbye' do; for your own words use a text prompt)"
        )
    return None
