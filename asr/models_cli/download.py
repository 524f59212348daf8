"""Resumable, checksummed model downloads and safe unpacking.

A transfer writes ``<file>.part``; running the pull again asks the server for the rest with an
HTTP ``Range`` request. The finished file is checked against its SHA-256 before it is unpacked
(into a temporary folder, then renamed into place, so a half-unpacked model is never seen).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import httpx

from asr.exceptions import ChecksumMismatchError, ModelDownloadError

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)
MAX_UNPACKED_BYTES = 8 << 30


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(
    url: str,
    destination: Path,
    *,
    sha256: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Path:
    """Fetch ``url`` to ``destination``, resuming a previous ``.part`` file; returns the path."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416 and have:
                    pass  # we already hold every byte; the checksum below decides
                elif response.status_code == 206 and have:
                    _append(response, partial, have, progress)
                elif response.status_code == 200:
                    _append(response, partial, 0, progress)  # no resume support: start again
                else:
                    raise ModelDownloadError(f"{url}: HTTP {response.status_code}", recoverable=False)
    except httpx.HTTPError as exc:
        kept = partial.stat().st_size if partial.exists() else 0
        raise ModelDownloadError(
            f"{url}: transfer interrupted after {kept} bytes ({exc}); pull again to resume"
        ) from exc
    actual = sha256_of(partial)
    if sha256 and actual.lower() != sha256.lower():
        partial.unlink()
        raise ChecksumMismatchError(
            f"{destination.name}: SHA-256 {actual} does not match {sha256}; file deleted"
        )
    partial.replace(destination)
    return destination


def _append(response: httpx.Response, partial: Path, offset: int, progress: Progress | None) -> None:
    length = response.headers.get("Content-Length")
    total = offset + int(length) if length and length.isdigit() else None
    received = offset
    with partial.open("ab" if offset else "wb") as handle:
        for block in response.iter_bytes():  # no re-chunking: every byte read is kept on a cut
            handle.write(block)
            received += len(block)
            if progress:
                progress(received, total)
    if total is not None and received < total:
        raise httpx.ReadError(f"connection closed at {received} of {total} bytes")


def unpack_model(archive: Path, models_dir: Path, name: str) -> Path:
    """Unzip a model archive to ``models_dir/name``, refusing paths that escape the folder."""
    target = models_dir / name
    models_dir.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise ModelDownloadError(f"{archive.name} unpacks to more than 8 GB", recoverable=False)
            for member in members:
                parts = PurePosixPath(member.filename).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise ModelDownloadError(
                        f"{archive.name} has an unsafe path {member.filename!r}", recoverable=False
                    )
            with tempfile.TemporaryDirectory(
                dir=models_dir, prefix=".unpack-", ignore_cleanup_errors=True
            ) as scratch:
                zipped.extractall(scratch)
                entries = [p for p in Path(scratch).iterdir()]
                # Official archives hold one top folder named after the model.
                root = entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(scratch)
                if target.exists():
                    shutil.rmtree(target)
                shutil.move(str(root), target)
    except zipfile.BadZipFile as exc:
        raise ModelDownloadError(f"{archive.name} is not a zip archive: {exc}", recoverable=False) from exc
    return target
