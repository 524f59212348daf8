"""The files admins edit (IVR flows, routing rules) live in the data dir, seeded from the packaged ones.

The code tree holds the defaults (``config/ivr``, ``config/routing``); the first use copies each
missing file into ``<data_dir>/<name>/`` so an upgrade never overwrites an admin's edit and the code
tree is never written to. Writes are atomic (temp file + rename): a reader sees the old or the new file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PACKAGED = Path(__file__).resolve().parent
PACKAGED_IVR = PACKAGED / "ivr"
PACKAGED_ROUTING = PACKAGED / "routing"


def seeded_dir(data_dir: Path, name: str, packaged: Path) -> Path:
    """``<data_dir>/<name>``, with every packaged ``*.yaml`` it lacks copied in (never overwritten)."""
    target = data_dir / name
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(packaged.glob("*.yaml")):
        destination = target / source.name
        if not destination.exists():
            fd, tmp = tempfile.mkstemp(prefix=f".{source.name}.", suffix=".tmp", dir=target)
            os.close(fd)
            shutil.copyfile(source, tmp)
            os.replace(tmp, destination)
    return target


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename (fsynced first, so a crash leaves one or the other)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
