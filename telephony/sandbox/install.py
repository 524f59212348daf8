"""Install Asterisk into a Debian chroot with debootstrap, atomically.

debootstrap writes into a ``.partial`` directory next to the target, which is renamed only when
Asterisk is in it: an interrupted install never leaves a half chroot where a complete one is expected.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.errors import SandboxError

PACKAGES = ("asterisk", "asterisk-modules", "asterisk-config", "asterisk-core-sounds-en-wav")
ASTERISK_BIN = "usr/sbin/asterisk"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class InstallReport:
    """What :func:`ensure_rootfs` did: ``installed`` is False when the chroot was already there."""

    rootfs: Path
    installed: bool
    seconds: float


def rootfs_ready(rootfs: Path) -> bool:
    """True when the chroot holds an Asterisk binary."""
    return (rootfs / ASTERISK_BIN).is_file()


def _check_can_install() -> str:
    if os.geteuid() != 0:
        raise SandboxError(
            "installing the Asterisk sandbox needs root (debootstrap and chroot). Run the command as root, "
            "or set asterisk.mode=external with asterisk.ari_url pointing at an Asterisk you run."
        )
    binary = shutil.which("debootstrap")
    if binary is None:
        raise SandboxError(
            "debootstrap is not installed. Run `apt-get install debootstrap` as root, "
            "or set asterisk.mode=external with asterisk.ari_url pointing at an Asterisk you run."
        )
    return binary


def _unmount_below(path: Path) -> None:
    """Lazily unmount anything an interrupted debootstrap left mounted (/proc, /sys) under ``path``."""
    prefix = str(path.resolve()) + "/"
    with open("/proc/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def _remove_partials(rootfs: Path) -> None:
    for stale in rootfs.parent.glob(f".{rootfs.name}.partial-*"):
        _unmount_below(stale)
        shutil.rmtree(stale, ignore_errors=True)


def _run_debootstrap(command: list[str], progress: Progress) -> None:
    tail: deque[str] = deque(maxlen=15)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                tail.append(line)
                progress(line)
        code = proc.wait()
    if code != 0:
        raise SandboxError(
            f"debootstrap failed (exit {code}); last lines:\n  " + "\n  ".join(tail), recoverable=True
        )


def ensure_rootfs(rootfs: Path, suite: str, mirror: str, progress: Progress | None = None) -> InstallReport:
    """Make sure ``rootfs`` is a Debian ``suite`` chroot with Asterisk, installing it if needed.

    A lock file serialises concurrent installs (two test sessions, or the CLI and a test).

    Raises:
        SandboxError: not root, no debootstrap, or debootstrap failed (the message says what to do).
    """
    if rootfs_ready(rootfs):
        return InstallReport(rootfs, installed=False, seconds=0.0)
    debootstrap = _check_can_install()
    say = progress or (lambda _line: None)
    rootfs.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(rootfs.parent / f".{rootfs.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rootfs_ready(rootfs):  # another process finished while we waited
            return InstallReport(rootfs, installed=False, seconds=time.monotonic() - started)
        _remove_partials(rootfs)
        partial = rootfs.parent / f".{rootfs.name}.partial-{os.getpid()}"
        command = [
            debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", suite, str(partial), mirror,
        ]  # fmt: skip
        say(f"debootstrap {suite} from {mirror} into {partial}")
        try:
            _run_debootstrap(command, say)
            if not rootfs_ready(partial):
                raise SandboxError(f"debootstrap finished but {ASTERISK_BIN} is missing in {partial}")
            _unmount_below(partial)
            if rootfs.exists():
                try:
                    rootfs.rmdir()  # an empty directory in the way; never delete anyone's files
                except OSError as exc:
                    raise SandboxError(
                        f"{rootfs} exists but holds no Asterisk; move it away or set asterisk.rootfs_dir"
                    ) from exc
            partial.rename(rootfs)
        finally:
            _remove_partials(rootfs)
    return InstallReport(rootfs, installed=True, seconds=time.monotonic() - started)
