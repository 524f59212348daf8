"""Private files: the data directory is 0700 and what holds secrets is 0600.

The SQLite database holds Argon2 hashes, SIP HA1 digests, webhook secrets and customer data; the
secrets file holds the signing key. Other local users must read none of it, whatever the umask.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError as exc:  # not ours (a shared mount): say so rather than fail the start
        log.warning("cannot make %s private (mode %o): %s", path, mode, exc.strerror)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; the directory itself ends up 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with 0600 if missing (before anything writes to it), else make it 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        _tighten(path, PRIVATE_FILE_MODE)
    return path


def private_sqlite(path: Path) -> None:
    """The database file and its WAL and shared-memory companions, 0600; a new folder, 0700."""
    if not path.parent.exists():
        private_dir(path.parent)
    private_file(path)
    for companion in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if companion.exists():
            _tighten(companion, PRIVATE_FILE_MODE)
