"""Deleting call recordings older than the retention setting (``telephony.recording.retention_days``).

The files' own modification times decide, so a recording whose call record is missing (a controller
that died before writing it) is purged as well. Call records that named a deleted file lose the name,
so nobody is offered a recording that no longer exists.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from telephony.records.models import CallRecord

log = logging.getLogger(__name__)

RECORDING_SUFFIXES = (".wav", ".wav49", ".gsm", ".ulaw", ".alaw", ".sln", ".g722")


@dataclass(frozen=True)
class PurgeReport:
    deleted: tuple[str, ...]
    kept: int


def expired_recordings(directory: Path, retention_days: int, now: float | None = None) -> list[Path]:
    """Recording files in ``directory`` last written more than ``retention_days`` ago."""
    if not directory.is_dir():
        return []
    cutoff = (now if now is not None else time.time()) - retention_days * 86400
    return sorted(
        path
        for path in directory.iterdir()
        if path.is_file() and path.suffix in RECORDING_SUFFIXES and path.stat().st_mtime < cutoff
    )


def purge_recordings(
    directory: Path,
    retention_days: int,
    factory: sessionmaker[Session] | None = None,
    now: float | None = None,
) -> PurgeReport:
    """Delete expired recordings and clear their names from the call records."""
    expired = expired_recordings(directory, retention_days, now)
    deleted: list[str] = []
    for path in expired:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not delete expired recording %s: %s", path.name, exc)
            continue
        deleted.append(path.stem)
    if factory is not None and deleted:
        with session_scope(factory) as session:
            session.execute(
                update(CallRecord).where(CallRecord.recording_name.in_(deleted)).values(recording_name=None)
            )
    kept = sum(1 for p in directory.iterdir() if p.is_file()) if directory.is_dir() else 0
    return PurgeReport(tuple(deleted), kept)
