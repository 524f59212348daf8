"""The ARI password: taken from the settings, or generated once and kept in the data dir (mode 0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def ari_password(configured: str | None, secret_file: Path) -> str:
    """Return ``configured`` if set, else the password stored in ``secret_file`` (created when missing)."""
    if configured:
        return configured
    if secret_file.is_file():
        stored = secret_file.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    # O_EXCL + 0600 from the start: the secret is never readable by others, not even briefly.
    tmp = secret_file.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    tmp.replace(secret_file)
    return password
