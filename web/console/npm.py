"""The npm registry, read with the standard library: package metadata, version ranges, tarballs.

Just enough of npm for the console's browser libraries: resolve a few packages and their dependency
trees to exact versions once (written to ``assets.lock.json``), then download each tarball and check
it against the lock's ``integrity`` (the registry's own sha512) before anything is unpacked.
No ``npm`` or Node.js is needed, at set-up or at run time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from config.errors import InvalidInputError, UnavailableError

REGISTRY = "https://registry.npmjs.org"
Fetch = Callable[[str], bytes]
"""Download a URL's body: :func:`fetch_url` normally; tests pass a fake with local tarballs."""


class RegistryUnreachableError(UnavailableError):
    """The npm registry could not be reached or refused a download (trying again can help)."""

    recoverable = True


class IntegrityError(InvalidInputError):
    """A downloaded tarball does not match the ``integrity`` recorded in the lock file."""


class VersionRangeError(InvalidInputError):
    """A version range this small resolver does not understand, or no published version fits it."""


def fetch_url(url: str, *, timeout: float = 60.0) -> bytes:
    """GET ``url`` (https only); an unreachable registry becomes :class:`RegistryUnreachableError`."""
    if not url.startswith("https://"):
        raise RegistryUnreachableError(f"refusing a non-https download: {url}")
    request = urllib.request.Request(  # noqa: S310 - https only, checked above
        url, headers={"Accept": "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            body: bytes = answer.read()
            return body
    except urllib.error.HTTPError as exc:
        raise RegistryUnreachableError(f"the npm registry answered {exc.code} for {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryUnreachableError(f"cannot reach the npm registry ({url}): {reason}") from exc


def check_integrity(data: bytes, integrity: str, what: str) -> None:
    """Raise :class:`IntegrityError` unless ``data`` has the SRI digest ``integrity`` (sha512-...)."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha512", "sha384", "sha256"):
        raise IntegrityError(f"{what}: unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise IntegrityError(
            f"{what}: the download does not match the lock file's integrity "
            f"({algorithm}-{actual[:16]}... instead of {integrity[:24]}...); refusing to use it"
        )


def extract_package(tarball: bytes, into: Path) -> None:
    """Unpack an npm tarball's files (under its one top folder, usually ``package/``) into ``into``.

    Only regular files and folders, and never a path outside ``into`` (a hostile tarball cannot
    write elsewhere).
    """
    into.mkdir(parents=True, exist_ok=True)
    root = into.resolve()
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts[1:]  # drop "package/"
            if not parts or not (member.isfile() or member.isdir()):
                continue
            target = (root / Path(*parts)).resolve()
            if root not in target.parents:
                raise IntegrityError(f"tarball entry {member.name!r} points outside its package")
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())
                target.chmod(0o755 if member.mode & 0o111 else 0o644)


# --- version ranges: the subset npm packages use for their dependencies ------------------------

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
Version = tuple[int, int, int]


def parse_version(text: str) -> Version | None:
    """``"4.3.1"`` -> ``(4, 3, 1)``; a pre-release (``1.0.0-beta``) or junk -> None (never chosen)."""
    match = _VERSION.match(text)
    if not match or match.group(4):
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def _bounds(spec: str) -> tuple[Version, Version | None]:
    """One range (``^1.2.3``, ``~1.2.3``, ``1.2.3``, ``1.x``, ``>=1.2.3``, ``*``) -> [low, high)."""
    spec = spec.strip().lstrip("=").lstrip("v")
    if spec in ("", "*", "x", "latest"):
        return (0, 0, 0), None
    if spec.startswith(">="):
        low = parse_version(_pad(spec[2:].strip()))
        if low is None:
            raise VersionRangeError(f"unsupported version range {spec!r}")
        return low, None
    op = spec[0] if spec[0] in "^~" else ""
    pieces = spec[len(op) :].split(".")
    numbers = [int(p) for p in pieces if p.isdigit()]
    if not numbers or len(numbers) > 3 or any(not p.isdigit() and p not in "xX*" for p in pieces):
        raise VersionRangeError(f"unsupported version range {spec!r}")
    given = len(numbers)
    major, minor, patch = (*numbers, 0, 0)[:3]
    low = (major, minor, patch)
    if op == "^":
        if major > 0 or given == 1:
            return low, (major + 1, 0, 0)
        if minor > 0 or given == 2:
            return low, (0, minor + 1, 0)
        return low, (0, 0, patch + 1)
    if op == "~" or given < 3:
        return low, (major + 1, 0, 0) if given == 1 else (major, minor + 1, 0)
    return low, (major, minor, patch + 1)


def _pad(text: str) -> str:
    return ".".join([*text.split("."), "0", "0"][:3])


def satisfies(version: Version, spec: str) -> bool:
    """Whether ``version`` is inside ``spec`` (alternatives joined with ``||`` allowed)."""
    for alternative in spec.split("||"):
        low, high = _bounds(alternative)
        if low <= version and (high is None or version < high):
            return True
    return False


def newest_matching(versions: list[str], spec: str, what: str) -> str:
    """The newest released (not pre-release) version in ``versions`` inside ``spec``."""
    candidates = [(v, text) for text in versions if (v := parse_version(text)) and satisfies(v, spec)]
    if not candidates:
        raise VersionRangeError(f"no published version of {what} matches {spec!r}")
    return max(candidates)[1]


def package_metadata(name: str, fetch: Fetch = fetch_url) -> dict[str, object]:
    """The registry's (abbreviated) document for ``name``, every version with its ``dist``."""
    data = json.loads(fetch(f"{REGISTRY}/{urllib.parse.quote(name, safe='@')}"))
    if not isinstance(data, dict) or not isinstance(data.get("versions"), dict):
        raise RegistryUnreachableError(f"the npm registry sent no version list for {name}")
    return data
