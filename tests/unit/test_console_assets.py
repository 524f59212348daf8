"""The console's browser libraries: built from locked npm tarballs, checked, and built only once.

The registry is replaced by a dict of local tarballs behind the ``fetch`` seam; esbuild by a small
script in the fake ``@esbuild/linux-x64`` package that writes the bundle the real one would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from web.console import assets, npm
from web.console.assets import AssetsError, build_vendor, esbuild_package, is_built
from web.console.npm import IntegrityError, RegistryUnreachableError, fetch_url, newest_matching, satisfies

FAKE_ESBUILD = """#!/bin/sh
# Stands in for esbuild: records its arguments and the entry it was given as the bundle.
for arg in "$@"; do case "$arg" in --outfile=*) out="${arg#--outfile=}";; esac; done
{ echo "// args: $*"; cat "$1"; } > "$out"
"""


def tarball(files: dict[str, str], *, top: str = "package", executable: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mode = 0o755 if name in executable else 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


PACKAGES = {
    "jssip": tarball({"package.json": "{}", "lib/JsSIP.js": "module.exports = {version: '3.13.8'};"}),
    "htmx.org": tarball({"dist/htmx.min.js": "var htmx = {};"}),
    "swagger-ui-dist": tarball(
        {
            "swagger-ui-bundle.js": "var SwaggerUIBundle;",
            "swagger-ui.css": "body{}",
            "favicon-32x32.png": "png",
            "LICENSE": "Apache",
        }
    ),
    "echarts": tarball({"dist/echarts.min.js": "var echarts = {};", "LICENSE": "Apache"}),
    "@esbuild/linux-x64": tarball({"bin/esbuild": FAKE_ESBUILD}, executable=("bin/esbuild",)),
}


class LocalRegistry:
    """The ``fetch`` seam: serves the tarballs above by URL and counts downloads."""

    def __init__(self, tarballs: dict[str, bytes]) -> None:
        self.tarballs = tarballs
        self.fetched: list[str] = []

    def url(self, name: str) -> str:
        return f"https://registry.test/{name}/-/{name.split('/')[-1]}-1.0.0.tgz"

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        for name, data in self.tarballs.items():
            if self.url(name) == url:
                return data
        raise RegistryUnreachableError(f"no such tarball {url}")


def write_lock(path: Path, registry: LocalRegistry, integrity: dict[str, str] | None = None) -> Path:
    packages = {
        name: {"version": "1.0.0", "resolved": registry.url(name), "integrity": sri(data)}
        for name, data in registry.tarballs.items()
    }
    for name, value in (integrity or {}).items():
        packages[name]["integrity"] = value
    path.write_text(json.dumps({"packages": packages}))
    return path


def test_a_build_unpacks_checks_bundles_and_copies_every_library(tmp_path: Path) -> None:
    registry = LocalRegistry(PACKAGES)
    lock = write_lock(tmp_path / "lock.json", registry)
    vendor = tmp_path / "static" / "vendor"

    assert build_vendor(vendor=vendor, lock=lock, fetch=registry, esbuild="@esbuild/linux-x64")

    bundle = (vendor / "jssip.js").read_text()
    assert "--bundle" in bundle and "--format=esm" in bundle and "--platform=browser" in bundle
    assert "import JsSIP from 'jssip';\nexport default JsSIP;" in bundle
    assert (vendor / "htmx.min.js").read_text() == "var htmx = {};"
    assert (vendor / "swagger-ui" / "swagger-ui-bundle.js").read_text() == "var SwaggerUIBundle;"
    assert (vendor / "swagger-ui" / "swagger-ui.css").is_file()
    assert (vendor / "echarts.min.js").read_text() == "var echarts = {};"
    assert is_built(vendor, lock)
    assert sorted(p.name for p in vendor.parent.iterdir()) == ["vendor"]  # no scratch left behind


def test_a_second_build_from_the_same_lock_downloads_nothing_and_a_new_lock_rebuilds(tmp_path: Path) -> None:
    registry = LocalRegistry(PACKAGES)
    lock = write_lock(tmp_path / "lock.json", registry)
    vendor = tmp_path / "vendor"
    build_vendor(vendor=vendor, lock=lock, fetch=registry, esbuild="@esbuild/linux-x64")
    downloads = len(registry.fetched)

    assert not build_vendor(vendor=vendor, lock=lock, fetch=registry, esbuild="@esbuild/linux-x64")
    assert len(registry.fetched) == downloads

    registry.tarballs = {**PACKAGES, "htmx.org": tarball({"dist/htmx.min.js": "var htmx2 = {};"})}
    write_lock(lock, registry)
    assert build_vendor(vendor=vendor, lock=lock, fetch=registry, esbuild="@esbuild/linux-x64")
    assert (vendor / "htmx.min.js").read_text() == "var htmx2 = {};"


def test_a_tarball_that_does_not_match_its_integrity_is_refused_and_the_old_build_kept(
    tmp_path: Path,
) -> None:
    registry = LocalRegistry(PACKAGES)
    lock = write_lock(tmp_path / "lock.json", registry)
    vendor = tmp_path / "vendor"
    build_vendor(vendor=vendor, lock=lock, fetch=registry, esbuild="@esbuild/linux-x64")

    tampered = {**PACKAGES, "jssip": tarball({"lib/JsSIP.js": "stealCredentials();"})}
    write_lock(lock, registry)  # the lock still pins the original bytes
    registry.tarballs = tampered
    with pytest.raises(IntegrityError, match=r"jssip@1\.0\.0"):
        build_vendor(vendor=vendor, lock=lock, fetch=registry, esbuild="@esbuild/linux-x64", force=True)
    assert "stealCredentials" not in (vendor / "jssip.js").read_text()


def test_a_tarball_entry_outside_its_package_is_refused(tmp_path: Path) -> None:
    hostile = tarball({"../../escaped.js": "x"})
    with pytest.raises(IntegrityError, match="outside"):
        npm.extract_package(hostile, tmp_path / "pkg")
    assert not (tmp_path / "escaped.js").exists()


def test_an_unreachable_registry_is_a_clear_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RegistryUnreachableError, match="cannot reach the npm registry"):
        fetch_url("https://127.0.0.1:9/jssip/-/jssip-3.13.8.tgz", timeout=5)

    def unreachable(**_: object) -> bool:
        raise RegistryUnreachableError(
            "cannot reach the npm registry (https://registry.npmjs.org/x): refused"
        )

    from web.console import assets_cli

    monkeypatch.setattr(assets_cli, "build_vendor", unreachable)
    result = CliRunner().invoke(assets_cli.assets_app, [])
    assert result.exit_code == 1
    assert "voxdesk assets failed: cannot reach the npm registry" in result.output
    assert "Traceback" not in result.output


def test_esbuild_comes_for_this_machine_or_a_clear_error() -> None:
    assert esbuild_package("linux", "x86_64") == "@esbuild/linux-x64"
    assert esbuild_package("linux", "aarch64") == "@esbuild/linux-arm64"
    with pytest.raises(AssetsError, match="no esbuild binary for linux/riscv64"):
        esbuild_package("linux", "riscv64")


def test_version_ranges_pick_the_newest_release_inside_them() -> None:
    versions = ["4.3.0", "4.3.1", "4.4.3", "5.0.0", "4.5.0-beta.1"]
    assert newest_matching(versions, "^4.3.1", "debug") == "4.4.3"
    assert newest_matching(versions, "~4.3.0", "debug") == "4.3.1"
    assert newest_matching(versions, "4.3.0", "debug") == "4.3.0"
    assert satisfies((0, 2, 5), "^0.2.1") and not satisfies((0, 3, 0), "^0.2.1")
    assert satisfies((2, 1, 0), "1.x || >=2.0.0")


def test_the_committed_lock_pins_every_library_with_a_sha512() -> None:
    locked = assets.read_lock()
    assert locked["jssip"].version == "3.13.8"
    assert locked["htmx.org"].version.startswith("2.")
    assert locked["echarts"].version == "5.6.0"
    for name in ("debug", "events", "sdp-transform", "swagger-ui-dist", esbuild_package()):
        assert name in locked
    for package in locked.values():
        assert package.integrity.startswith("sha512-")
        assert package.resolved.startswith("https://registry.npmjs.org/")
