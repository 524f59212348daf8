"""Settings precedence (defaults -> YAML -> environment) and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import SettingsError
from config.settings import AsteriskMode, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("VOXDESK_"):
            monkeypatch.delenv(key)


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voxdesk.yaml"
    path.write_text(text)
    return path


def test_defaults_run_everything_embedded(tmp_path: Path) -> None:
    settings = load_settings(write_yaml(tmp_path, ""))
    assert settings.database_url is None
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.redis.url is None
    assert settings.asterisk.mode is AsteriskMode.AUTO
    assert settings.asterisk.http_port == 8088


def test_yaml_file_overrides_defaults(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "asterisk:\n  http_port: 9088\n  sip_port: 5070\nweb:\n  port: 9000\n")
    settings = load_settings(path)
    assert (settings.asterisk.http_port, settings.asterisk.sip_port, settings.web.port) == (9088, 5070, 9000)
    assert settings.asterisk.rtp_start == 10000  # untouched keys keep their defaults


def test_environment_overrides_yaml_key_by_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_yaml(tmp_path, "asterisk:\n  http_port: 9088\n  sip_port: 5070\n")
    monkeypatch.setenv("VOXDESK_ASTERISK__SIP_PORT", "5080")
    monkeypatch.setenv("VOXDESK_DATABASE_URL", "postgresql://u@127.0.0.1/db")
    settings = load_settings(path)
    assert settings.asterisk.sip_port == 5080  # environment wins
    assert settings.asterisk.http_port == 9088  # the file's other key in the same section survives
    assert settings.effective_database_url == "postgresql://u@127.0.0.1/db"


def test_config_path_comes_from_voxdesk_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_yaml(tmp_path, "web:\n  port: 9100\n")
    monkeypatch.setenv("VOXDESK_CONFIG", str(path))
    assert load_settings().web.port == 9100


def test_a_bad_port_names_the_key_and_the_reason(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "asterisk:\n  sip_port: 70000\n")
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    message = str(error.value)
    assert "asterisk.sip_port" in message
    assert "less than or equal to 65535" in message


def test_a_bad_environment_value_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOXDESK_WEB__PORT", "eighty")
    with pytest.raises(SettingsError) as error:
        load_settings(write_yaml(tmp_path, ""))
    assert "web.port" in str(error.value)
    assert "integer" in str(error.value)


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"asterisk\.ari_pasword: unknown setting"):
        load_settings(write_yaml(tmp_path, "asterisk:\n  ari_pasword: x\n"))


def test_an_unsupported_database_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"database_url: .*only sqlite:// and postgresql://"):
        load_settings(write_yaml(tmp_path, "database_url: mysql://x@y/z\n"))


def test_an_undialable_inbound_number_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"asterisk\.inbound_numbers"):
        load_settings(write_yaml(tmp_path, "asterisk:\n  inbound_numbers: ['10a0']\n"))


def test_broken_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "asterisk: [unclosed\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(path)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")


def test_an_unknown_key_in_a_feature_section_is_refused_too(tmp_path: Path) -> None:
    for section, key in (("telephony", "wrap_up_secs"), ("channels", "smtp_prot"), ("customers", "region")):
        with pytest.raises(SettingsError, match=rf"{section}\.{key}: unknown setting"):
            load_settings(write_yaml(tmp_path, f"{section}:\n  {key}: 1\n"))
