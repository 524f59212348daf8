"""The console's third-party browser libraries, built at set-up from the npm registry into ``vendor/``.

``assets.lock.json`` (next to this file) pins every package: exact version, tarball URL and the
registry's sha512 ``integrity``. :func:`build_vendor` downloads those tarballs, refuses any whose
digest differs, and writes ``static/vendor/``:

- ``jssip.js``: JsSIP as one ES module whose default export is the JsSIP namespace. JsSIP's npm
  package has no browser bundle, so its tree (debug, events, sdp-transform...) is bundled with
  esbuild, whose native binary comes from the ``@esbuild/<os>-<arch>`` npm package.
- ``htmx.min.js``: htmx 2 for pages that swap in server-rendered fragments.
- ``swagger-ui/``: the API docs page's own files, so ``/docs`` needs no CDN.
- ``echarts.min.js`` (and its licence): Apache ECharts, the analytics page's charts.

A stamp holding the lock's hash makes a second build a no-op. :func:`resolve_lock` writes the lock
(``voxdesk assets lock``); a build only ever reads it, so every machine gets the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from config.errors import NotConfiguredError
from web.console.npm import (
    REGISTRY,
    Fetch,
    VersionRangeError,
    check_integrity,
    extract_package,
    fetch_url,
    newest_matching,
    package_metadata,
)
from web.console.static_files import VENDOR

LOCK_FILE = Path(__file__).with_name("assets.lock.json")
RECIPE_VERSION = "2"  # bump when the build below changes what it writes for the same lock
STAMP_NAME = ".stamp"

BUNDLED = {"jssip": "3.13.8"}
"""Bundled with esbuild, with their whole dependency tree."""
COPIED = {"htmx.org": "^2.0.0", "swagger-ui-dist": "^5.17.0", "echarts": "5.6.0"}
"""Whose ready-made browser files are copied as they are (their dependencies are not needed)."""
ESBUILD_RANGE = "^0.27.2"
ESBUILD_PLATFORMS = {
    ("linux", "x86_64"): "@esbuild/linux-x64",
    ("linux", "amd64"): "@esbuild/linux-x64",
    ("linux", "aarch64"): "@esbuild/linux-arm64",
    ("linux", "arm64"): "@esbuild/linux-arm64",
    ("darwin", "x86_64"): "@esbuild/darwin-x64",
    ("darwin", "arm64"): "@esbuild/darwin-arm64",
}
COPIES = [
    ("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    ("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"),
    ("swagger-ui-dist", "favicon-32x32.png", "swagger-ui/favicon-32x32.png"),
    ("swagger-ui-dist", "LICENSE", "swagger-ui/LICENSE"),
    ("echarts", "dist/echarts.min.js", "echarts.min.js"),
    ("echarts", "LICENSE", "echarts-LICENSE"),
]
JSSIP_ENTRY = "import JsSIP from 'jssip';\nexport default JsSIP;\n"
OUTPUTS = ["jssip.js", *(target for _, _, target in COPIES)]


class AssetsError(NotConfiguredError):
    """The browser libraries cannot be built here (unsupported platform, broken lock, esbuild failed)."""


@dataclass(frozen=True)
class LockedPackage:
    """One pinned npm package from the lock file."""

    name: str
    version: str
    resolved: str
    integrity: str


def read_lock(path: Path = LOCK_FILE) -> dict[str, LockedPackage]:
    """The lock's packages by name."""
    try:
        data = json.loads(path.read_text())
        return {
            name: LockedPackage(name, entry["version"], entry["resolved"], entry["integrity"])
            for name, entry in data["packages"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssetsError(f"cannot read the browser libraries' lock file {path}: {exc}") from exc


def lock_stamp(path: Path = LOCK_FILE) -> str:
    """What a finished build records: the lock's hash and this recipe's version."""
    return hashlib.sha256(path.read_bytes() + RECIPE_VERSION.encode()).hexdigest()


def is_built(vendor: Path = VENDOR, lock: Path = LOCK_FILE) -> bool:
    """Whether ``vendor`` already holds every output built from this very lock."""
    stamp = vendor / STAMP_NAME
    return (
        stamp.is_file()
        and stamp.read_text().strip() == lock_stamp(lock)
        and all((vendor / output).is_file() for output in OUTPUTS)
    )


def esbuild_package(system: str | None = None, machine: str | None = None) -> str:
    """The ``@esbuild/...`` npm package with a binary for this machine, or :class:`AssetsError`."""
    system = system or sys.platform
    machine = (machine or platform.machine()).lower()
    try:
        return ESBUILD_PLATFORMS[(system, machine)]
    except KeyError:
        supported = ", ".join(sorted({f"{s}/{m}" for s, m in ESBUILD_PLATFORMS}))
        raise AssetsError(
            f"no esbuild binary for {system}/{machine} (supported: {supported}); "
            "the console's JsSIP bundle cannot be built on this platform"
        ) from None


def build_vendor(
    *,
    vendor: Path = VENDOR,
    lock: Path = LOCK_FILE,
    fetch: Fetch = fetch_url,
    esbuild: str | None = None,
    force: bool = False,
) -> bool:
    """Build ``vendor/`` from the lock; False (nothing done) when it is already built from it.

    ``esbuild`` names the esbuild package to use (default: the one for this machine). The old
    ``vendor/`` is replaced only once the new one is complete.
    """
    if not force and is_built(vendor, lock):
        return False
    packages = read_lock(lock)
    wanted = [name for name in packages if not name.startswith("@esbuild/")]
    wanted.append(esbuild or esbuild_package())
    missing = [name for name in wanted if name not in packages]
    if missing:
        raise AssetsError(f"the lock file has no entry for {', '.join(missing)}; run `voxdesk assets lock`")
    vendor.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vendor-build-", dir=vendor.parent) as scratch:
        work = Path(scratch)
        modules = work / "node_modules"
        with ThreadPoolExecutor(max_workers=4) as pool:
            tarballs = dict(zip(wanted, pool.map(lambda n: fetch(packages[n].resolved), wanted), strict=True))
        for name, tarball in tarballs.items():
            check_integrity(tarball, packages[name].integrity, f"{name}@{packages[name].version}")
            extract_package(tarball, modules / name)
        out = work / "vendor"
        out.mkdir()
        _bundle_jssip(work, modules / wanted[-1] / "bin" / "esbuild", out / "jssip.js")
        for package, source, target in COPIES:
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(modules / package / source, out / target)
        (out / STAMP_NAME).write_text(lock_stamp(lock) + "\n")
        old = work / "old"
        if vendor.exists():
            vendor.rename(old)
        out.rename(vendor)
    return True


def _bundle_jssip(work: Path, esbuild: Path, outfile: Path) -> None:
    entry = work / "jssip-entry.mjs"
    entry.write_text(JSSIP_ENTRY)
    command = [
        str(esbuild),
        str(entry),
        "--bundle",
        "--format=esm",
        "--platform=browser",
        "--target=es2020",
        "--minify",
        "--legal-comments=eof",
        "--log-level=warning",
        f"--outfile={outfile}",
    ]
    try:
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120, check=False)
    except OSError as exc:
        raise AssetsError(f"cannot run esbuild ({esbuild}): {exc}") from exc
    if done.returncode != 0:
        raise AssetsError(f"esbuild could not bundle JsSIP:\n{done.stderr.strip()}")


def resolve_lock(*, lock: Path = LOCK_FILE, fetch: Fetch = fetch_url) -> dict[str, LockedPackage]:
    """Resolve :data:`BUNDLED` (with dependencies), :data:`COPIED` and esbuild to exact versions.

    The tree is installed flat (one version per name), so two different versions needed for one
    name is an error to settle by hand.
    """
    documents: dict[str, dict[str, object]] = {}
    chosen: dict[str, tuple[LockedPackage, dict[str, str]]] = {}

    def pin(name: str, spec: str, with_dependencies: bool) -> None:
        if name not in documents:
            documents[name] = package_metadata(name, fetch)
        versions: dict[str, dict[str, object]] = documents[name]["versions"]  # type: ignore[assignment]
        version = newest_matching(list(versions), spec, name)
        if name in chosen:
            if chosen[name][0].version != version:
                raise VersionRangeError(f"{name} is wanted as {spec} and as {chosen[name][0].version}")
            return
        meta = versions[version]
        dist: dict[str, str] = meta["dist"]  # type: ignore[assignment]
        dependencies: dict[str, str] = dict(meta.get("dependencies") or {}) if with_dependencies else {}  # type: ignore[call-overload]
        chosen[name] = (LockedPackage(name, version, dist["tarball"], dist["integrity"]), dependencies)
        for dependency, dependency_spec in dependencies.items():
            pin(dependency, dependency_spec, True)

    for name, spec in BUNDLED.items():
        pin(name, spec, True)
    for name, spec in COPIED.items():
        pin(name, spec, False)
    first, *others = sorted(set(ESBUILD_PLATFORMS.values()))
    pin(first, ESBUILD_RANGE, False)
    for name in others:
        pin(name, chosen[first][0].version, False)
    document = {
        "comment": "Browser libraries for web/console/static/vendor/; written by `voxdesk assets lock`, "
        "read by `voxdesk assets`.",
        "registry": REGISTRY,
        "requests": {**BUNDLED, **COPIED, "@esbuild/*": ESBUILD_RANGE},
        "packages": {
            name: {
                "version": package.version,
                "resolved": package.resolved,
                "integrity": package.integrity,
                **({"dependencies": dependencies} if dependencies else {}),
            }
            for name, (package, dependencies) in sorted(chosen.items())
        },
    }
    lock.write_text(json.dumps(document, indent=2) + "\n")
    return {name: package for name, (package, _) in chosen.items()}
