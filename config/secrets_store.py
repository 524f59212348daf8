"""Generated secrets (web signing key, ARI password), kept in one 0600 file in the data dir."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from config.files import private_dir, private_file
from config.security import generate_secret
from config.settings import Settings


def _load(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def get_or_create_secret(data_dir: Path, name: str, generate: Callable[[], str] | None = None) -> str:
    """Return the secret called ``name``, generating (``generate``, else a random token) and saving
    it on first use."""
    path = data_dir / "secrets.json"
    if path.exists():
        private_file(path)  # written by an older version with the umask's mode
    secrets = _load(path)
    if name not in secrets:
        secrets[name] = generate() if generate is not None else generate_secret(24)
        private_dir(data_dir)
        # Create with 0600 before writing so the secret is never readable by others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(secrets, handle)
    return secrets[name]


def web_secret(settings: Settings) -> str:
    """The key the web signs with (sessions' CSRF, chat visitors, customers' progress links): the
    configured one, else the generated one every process of this data dir shares."""
    return settings.web.secret_key or get_or_create_secret(settings.data_dir, "web_secret")
