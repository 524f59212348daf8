"""Where the Asterisk binary runs: inside Voxdesk's chroot, or on the host with Voxdesk's own config.

Both runtimes start Asterisk with ``-C <our asterisk.conf>`` whose directories are private to one
Voxdesk data dir, so the distribution's /etc/asterisk is never touched and two data dirs (a developer's
and a test session's) can share one chroot without sharing a control socket or astdb.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from config.errors import SandboxError
from config.settings import AsteriskMode, Settings
from telephony.sandbox.install import ASTERISK_BIN

_MODULE_DIR_GLOBS = ("usr/lib/*/asterisk/modules", "usr/lib/asterisk/modules", "usr/lib64/asterisk/modules")


@dataclass(frozen=True)
class AsteriskDirs:
    """Asterisk's directories as Asterisk itself sees them (paths inside the chroot for the sandbox)."""

    etc: str
    run: str
    lib: str
    log: str
    spool: str
    cache: str
    modules: str
    data: str
    moh: str = ""

    @property
    def recordings(self) -> str:
        """Where ARI live recordings land (``<spool>/recording``); Asterisk does not create it itself."""
        return f"{self.spool}/recording"

    @property
    def state_dirs(self) -> tuple[str, ...]:
        """The directories Voxdesk owns and creates before each start."""
        dirs = (self.etc, self.run, self.lib, self.log, self.spool, self.recordings, self.cache)
        return (*dirs, f"{self.moh}/default") if self.moh else dirs


def _installed_dirs(root: Path) -> tuple[str, str]:
    """Module and data directories of the Asterisk installed under ``root`` (Debian uses multiarch paths)."""
    modules = "/usr/lib/asterisk/modules"
    for pattern in _MODULE_DIR_GLOBS:
        found = sorted(root.glob(pattern))
        if found:
            modules = "/" + str(found[0].relative_to(root))
            break
    data = "/usr/share/asterisk" if (root / "usr/share/asterisk/sounds").is_dir() else "/var/lib/asterisk"
    return modules, data


def _private_dirs(base: str, root: Path) -> AsteriskDirs:
    modules, data = _installed_dirs(root)
    return AsteriskDirs(
        etc=f"{base}/etc", run=f"{base}/run", lib=f"{base}/lib", log=f"{base}/log",
        spool=f"{base}/spool", cache=f"{base}/cache", modules=modules, data=data, moh=f"{base}/moh",
    )  # fmt: skip


@dataclass(frozen=True)
class ChrootRuntime:
    """Asterisk from a Debian chroot (the sandbox); needs root for ``chroot``."""

    rootfs: Path
    instance: str

    name = "sandbox"

    @property
    def dirs(self) -> AsteriskDirs:
        """Private directories under ``/var/lib/voxdesk/<instance>`` inside the chroot."""
        return _private_dirs(f"/var/lib/voxdesk/{self.instance}", self.rootfs)

    def host_path(self, inner: str) -> Path:
        """The host path of a path Asterisk sees."""
        return self.rootfs / inner.lstrip("/")

    def command(self, *args: str) -> list[str]:
        """argv running the chroot's Asterisk with Voxdesk's config."""
        conf = f"{self.dirs.etc}/asterisk.conf"
        return ["chroot", str(self.rootfs), "/" + ASTERISK_BIN, "-C", conf, *args]


@dataclass(frozen=True)
class HostRuntime:
    """An Asterisk already installed on this machine, run with Voxdesk's rendered config."""

    binary: Path
    state_dir: Path

    name = "host"

    @property
    def dirs(self) -> AsteriskDirs:
        """Private directories under the Voxdesk data dir."""
        return _private_dirs(str(self.state_dir), Path("/"))

    def host_path(self, inner: str) -> Path:
        """Host and Asterisk see the same paths."""
        return Path(inner)

    def command(self, *args: str) -> list[str]:
        """argv running the host's Asterisk with Voxdesk's config."""
        return [str(self.binary), "-C", f"{self.dirs.etc}/asterisk.conf", *args]


AsteriskRuntime = ChrootRuntime | HostRuntime


def rootfs_dir(settings: Settings) -> Path:
    """The chroot location: ``asterisk.rootfs_dir`` or the cache dir."""
    return settings.asterisk.rootfs_dir or settings.cache_dir / "asterisk" / "rootfs"


def state_dir(settings: Settings) -> Path:
    """Voxdesk's Asterisk state in the data dir (pid file, log, ARI secret, host-mode dirs)."""
    return settings.data_dir / "asterisk"


def host_asterisk() -> Path | None:
    """The host's Asterisk binary, if one is installed."""
    found = shutil.which("asterisk") or shutil.which("asterisk", path="/usr/sbin:/usr/local/sbin")
    return Path(found) if found else None


def select_runtime(settings: Settings) -> AsteriskRuntime | None:
    """Pick the runtime for ``asterisk.mode``; None means external (Voxdesk starts nothing).

    Raises:
        SandboxError: mode=host but no Asterisk is installed on this machine.
    """
    mode = settings.asterisk.mode
    if mode is AsteriskMode.EXTERNAL:
        return None
    binary = host_asterisk()
    if mode is AsteriskMode.HOST or (mode is AsteriskMode.AUTO and binary is not None):
        if binary is None:
            raise SandboxError("asterisk.mode=host but no asterisk binary is installed on this machine")
        return HostRuntime(binary, state_dir(settings) / "host")
    instance = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
    return ChrootRuntime(rootfs_dir(settings), instance)
