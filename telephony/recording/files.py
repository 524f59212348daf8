"""Finding a call's recording file, safely, and the byte range a player asks for.

A recording's name comes from the call record (``voxdesk-<call id>``, chosen by call control), but a
record is data: a name that is not a plain file stem, or that resolves outside the recording folder
(a link pointing elsewhere), finds nothing, so no path in the database can read another file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from config.errors import RangeNotSatisfiableError
from config.settings import Settings
from telephony.sandbox import AsteriskSandbox

RECORDING_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")
WAV_SUFFIX = ".wav"
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


def recordings_dir(settings: Settings) -> Path | None:
    """The folder call recordings are in: the setting, else the Asterisk sandbox's (None: external)."""
    configured = settings.telephony.recording.directory
    if configured is not None:
        return configured
    return AsteriskSandbox(settings).recordings_dir()


def recording_file(directory: Path | None, name: str | None) -> Path | None:
    """The WAV file of recording ``name`` in ``directory``, if it is a plain name and the file exists."""
    if directory is None or not name or not RECORDING_NAME.fullmatch(name) or ".." in name:
        return None
    folder = directory.resolve()
    candidate = (folder / f"{name}{WAV_SUFFIX}").resolve()
    if candidate.parent != folder or not candidate.is_file():
        return None
    return candidate


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` to ``end`` inclusive of a file of ``size`` bytes."""

    start: int
    end: int
    size: int


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The one range of a ``Range`` header (None: the whole file).

    Players ask for one range (``bytes=0-``, ``bytes=1000-1999``, ``bytes=-500``); several ranges,
    other units, or a range outside the file raise :class:`RangeNotSatisfiableError` (416).
    """
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        raise RangeNotSatisfiableError("Range must be one byte range: bytes=start-end", size=size)
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiableError("the range holds no bytes of the file", size=size)
        return ByteRange(max(size - suffix, 0), size - 1, size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiableError(f"the range is outside the file ({size} bytes)", size=size)
    return ByteRange(start, end, size)
