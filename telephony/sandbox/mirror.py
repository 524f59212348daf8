"""Find the Debian mirror this machine already uses, so Voxdesk never hard-codes a host name."""

from __future__ import annotations

from pathlib import Path

from config.errors import SandboxError

APT_DIR = Path("/etc/apt")


def _deb822_uris(text: str) -> list[str]:
    """URIs of the ``Types: deb`` stanzas of a deb822 ``.sources`` file."""
    uris: list[str] = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        enabled = fields.get("enabled", "yes").lower() != "no"
        if enabled and "deb" in fields.get("types", "").split():
            uris.extend(fields.get("uris", "").split())
    return uris


def _one_line_uris(text: str) -> list[str]:
    """URIs of the ``deb`` lines of a classic ``sources.list``."""
    uris: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        rest = words[1:]
        if rest and rest[0].startswith("["):
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if rest:
            uris.append(rest[0])
    return uris


def apt_mirror(apt_dir: Path = APT_DIR) -> str:
    """The main Debian archive URI from apt's sources (security and updates archives are skipped).

    Raises:
        SandboxError: apt has no usable ``deb`` source; set ``asterisk.debian_mirror``.
    """
    candidates: list[str] = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        candidates += _deb822_uris(path.read_text(encoding="utf-8", errors="replace"))
    classic = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in classic:
        if path.is_file():
            candidates += _one_line_uris(path.read_text(encoding="utf-8", errors="replace"))
    for uri in candidates:
        if uri.rstrip("/").endswith("/debian"):
            return uri
    main = [uri for uri in candidates if "security" not in uri]
    if main:
        return main[0]
    raise SandboxError(
        f"no Debian mirror found in {apt_dir}/sources.list(.d); set asterisk.debian_mirror in the settings"
    )
