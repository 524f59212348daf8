"""One settings object for all of Voxdesk.

Values are layered: built-in defaults, then a YAML file (``config/voxdesk.yaml``, or the path given
with ``--config`` / ``VOXDESK_CONFIG``), then environment variables (``VOXDESK_DATABASE_URL``,
``VOXDESK_ASTERISK__ARI_PORT``; nested keys use a double underscore). A wrong value stops start-up
with a :class:`SettingsError` that names the key and the reason.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import phonenumbers
import yaml
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.errors import SettingsError
from config.settings_base import Section
from config.telephony_settings import TelephonySettings

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG_FILE = PACKAGE_DIR / "voxdesk.yaml"


def default_data_dir() -> Path:
    """Where Voxdesk keeps its SQLite file, embedded Redis and rendered Asterisk files."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "voxdesk"


def default_cache_dir() -> Path:
    """Where rebuildable artefacts live (the Asterisk chroot, synthesised prompts, models)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "voxdesk"


class AsteriskMode(StrEnum):
    """How Voxdesk reaches Asterisk."""

    AUTO = "auto"  # host asterisk if installed, else the sandbox
    SANDBOX = "sandbox"  # Debian sid chroot managed by Voxdesk
    HOST = "host"  # /usr/sbin/asterisk on this machine, configured by Voxdesk
    EXTERNAL = "external"  # an Asterisk an admin runs; Voxdesk only talks ARI


class AsteriskSettings(Section):
    """Where Asterisk runs and how Voxdesk talks to it."""

    mode: AsteriskMode = AsteriskMode.AUTO
    ari_url: str | None = Field(
        default=None, description="External ARI base URL, e.g. http://pbx:8088/ari (mode=external)"
    )
    ari_user: str = "voxdesk"
    ari_password: str | None = Field(
        default=None, description="Generated and kept in the data dir when not set"
    )
    stasis_app: str = "voxdesk"
    bind_address: str = "127.0.0.1"
    http_port: int = Field(default=8088, ge=1, le=65535)
    sip_port: int = Field(default=5060, ge=1, le=65535)
    rtp_start: int = Field(default=10000, ge=1024, le=65535)
    rtp_end: int = Field(default=10999, ge=1024, le=65535)
    inbound_numbers: list[str] = Field(default_factory=lambda: ["1000"])
    sip_ws_url: str | None = Field(
        default=None,
        description="Where browsers reach SIP over WebSocket (e.g. wss://pbx.example.com/ws behind a TLS "
        "proxy); ws://<bind_address>:<http_port>/ws when unset",
    )
    ice_loopback_alias: str | None = Field(
        default=None,
        description="Test rigs only: an address on this host that Asterisk advertises as 127.0.0.1 in ICE "
        "(Asterisk offers no 127/8 candidate, so a loopback-only browser call has no media path)",
    )
    ice_blacklist: list[str] = Field(
        default_factory=list, description="Networks (CIDR) Asterisk never offers as ICE candidates"
    )
    debian_suite: str = "sid"
    debian_mirror: str | None = Field(
        default=None, description="Mirror for debootstrap; read from apt's sources when not set"
    )
    rootfs_dir: Path | None = Field(default=None, description="Chroot location; cache dir if unset")

    @field_validator("ice_blacklist")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(net, strict=False)) for net in value]

    @field_validator("ice_loopback_alias")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else str(ipaddress.ip_address(value))

    @property
    def browser_ws_url(self) -> str:
        """The SIP WebSocket URL browsers use (Asterisk's HTTP server serves ``/ws``)."""
        if self.sip_ws_url:
            return self.sip_ws_url
        host = "127.0.0.1" if self.bind_address in ("0.0.0.0", "", "::") else self.bind_address
        host = f"[{host}]" if ":" in host else host
        return f"ws://{host}:{self.http_port}/ws"

    @field_validator("inbound_numbers")
    @classmethod
    def _numbers_are_dialable(cls, value: list[str]) -> list[str]:
        for number in value:
            if not number or not all(ch.isdigit() or ch in "+*#" for ch in number):
                raise ValueError(f"{number!r} is not a dialable number (digits, +, * and # only)")
        return value


class WebSettings(Section):
    """The console and API server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8800, ge=1, le=65535)
    secret_key: str | None = Field(default=None, description="Generated when not set")
    login_user_failures: int = Field(
        default=5, ge=1, le=1000, description="Failed sign-ins of one user before lockouts with backoff"
    )
    login_address_failures: int = Field(
        default=20, ge=1, le=10000, description="Failed sign-ins from one address before lockouts"
    )
    login_failure_window_seconds: int = Field(
        default=900, ge=10, le=86400, description="How long a failed sign-in is remembered"
    )
    login_lockout_max_seconds: int = Field(
        default=900, ge=1, le=86400, description="Longest lockout (each lockout doubles the last)"
    )
    login_hash_workers: int = Field(
        default=2, ge=1, le=64, description="Password hashes computed at once (Argon2 is CPU-bound)"
    )
    login_hash_queue: int = Field(
        default=8, ge=0, le=10000, description="Sign-ins waiting for a hash slot before 503 Busy"
    )
    session_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a web process trusts a session it looked up: a log-out, demotion or "
        "deactivation reaches every process within this time",
    )


class RedisSettings(Section):
    """Event bus and Celery broker; embedded when ``url`` is empty."""

    url: str | None = None
    embedded_port: int = Field(default=6389, ge=1, le=65535)


class CustomerSettings(Section):
    """How customers are recognised across channels."""

    default_region: str = Field(
        default="US", description="ISO country used for phone numbers written without a country code"
    )

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        upper = value.upper()
        if upper not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phonenumbers knows (e.g. US, GB, CN)")
        return upper


class ChannelSettings(Section):
    """Text channels: the SMTP server Voxdesk runs, the outbound relay and webhook secrets."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    mail_domain: str = Field(default="voxdesk.localhost", description="Domain in Message-IDs we create")
    support_address: str = "support@voxdesk.localhost"
    relay_host: str = "127.0.0.1"
    relay_port: int = Field(default=25, ge=1, le=65535)
    relay_starttls: bool = False
    relay_username: str | None = None
    relay_password: str | None = None
    webhook_max_bytes: int = Field(default=64 * 1024, ge=1024)
    sms_webhook_secret: str | None = Field(default=None, description="Generated when not set")
    sms_provider_url: str | None = Field(default=None, description="HTTP gateway for outbound SMS")
    wechat_token: str | None = Field(default=None, description="Generated when not set")
    wechat_mode: Literal["safe", "plain"] = Field(
        default="safe",
        description="safe: pushes are AES-encrypted and their signature covers the body (WeChat's "
        "'safe mode'); plain: unencrypted pushes whose signature does not cover the body, accepted "
        "only when an admin sets this",
    )
    wechat_encoding_aes_key: str | None = Field(
        default=None,
        min_length=43,
        max_length=43,
        description="WeChat's EncodingAESKey (43 characters) for safe mode; generated when not set",
    )
    wechat_app_id: str | None = Field(
        default=None, max_length=64, description="The Official Account's AppID; safe mode needs it"
    )
    mail_dns_timeout_seconds: float = Field(
        default=5.0, gt=0, le=30, description="Longest wait for one DNS answer while checking SPF/DKIM/DMARC"
    )
    mail_dns_static_txt: dict[str, list[str]] | None = Field(
        default=None,
        description="When set, SPF/DKIM/DMARC read DNS TXT records from this map only (name -> "
        "records) and never ask a DNS server: for closed networks and tests",
    )
    public_base_url: str = Field(default="http://127.0.0.1:8800", description="Base of survey links")


class DeskSettings(Section):
    """Tickets, SLA, knowledge base, alerts and the API's request limits."""

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest API request body")
    alert_webhook_secret: str | None = Field(
        default=None, description="HMAC secret of the device-alert webhook; generated when not set"
    )
    alert_tolerance_seconds: int = Field(default=300, ge=10, le=3600, description="Replay window")
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="Networks (CIDR) outgoing webhooks may reach although loopback, private or "
        'link-local, e.g. ["10.0.5.0/24"]; everything public is always allowed',
    )
    webhook_retry_base_seconds: float = Field(
        default=10.0, gt=0, le=600, description="First retry of a failed webhook; each next waits 3x longer"
    )
    text_ticket_groups: dict[str, str] = Field(
        default_factory=dict,
        description="Group (by name) that a new e-mail/webchat/sms/wechat contact's ticket opens in",
    )
    sla_notice_mail: bool = Field(
        default=False,
        description="Also e-mail SLA reminders and escalations (through channels.relay_*) to the "
        "assignee or group lead that has an e-mail address",
    )

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # the ValueError names the bad entry
        return value


class AsrEngineChoice(StrEnum):
    """Which speech recogniser transcribes calls."""

    AUTO = "auto"  # Vosk when an English Vosk model is installed, else offline Whisper
    VOSK = "vosk"
    WHISPER = "whisper"


class AsrSettings(Section):
    """Live transcription: engine, VAD and media workers."""

    engine: AsrEngineChoice = AsrEngineChoice.AUTO
    language: str = Field(default="en", description="Language the auto choice looks for in Vosk models")
    models_dir: Path | None = Field(
        default=None, description="Where `voxdesk models pull` unpacks; cache dir if unset"
    )
    vosk_model_path: Path | None = Field(
        default=None, description="A Vosk model folder; overrides the search"
    )
    whisper_model_path: Path | None = Field(
        default=None, description="CTranslate2 Whisper folder; the packaged tiny.en when unset"
    )
    vosk_reuse_recognizers: bool = Field(
        default=True, description="Hand a finished leg's warm Vosk recogniser to the next leg"
    )
    vosk_prewarm_recognizers: int = Field(
        default=4, ge=0, le=64, description="Vosk recognisers a media worker warms on speech at start"
    )
    warmup_wav: Path | None = Field(
        default=None, description="Speech to warm recognisers on; Piper-synthesised sentences if unset"
    )
    whisper_threads: int = Field(default=2, ge=1, le=64)
    vad: str = Field(default="webrtc", pattern="^(webrtc|silero)$")
    vad_mode: int = Field(default=2, ge=0, le=3, description="webrtcvad aggressiveness 0..3")
    vad_padding_ms: int = Field(default=300, ge=0, le=2000, description="Audio kept before speech starts")
    vad_hangover_ms: int = Field(default=400, ge=60, le=3000, description="Silence that ends a segment")
    max_segment_seconds: float = Field(default=15.0, gt=1, le=60)
    max_lag_seconds: float = Field(default=30.0, gt=1, description="Queued speech beyond this is dropped")
    models_base_url: str = "https://alphacephei.com/vosk/models"
    media_host: str = "127.0.0.1"
    media_port_start: int = Field(default=20000, ge=1024, le=65535)
    media_port_end: int = Field(default=20199, ge=1024, le=65535)
    media_control_port: int = Field(default=8790, ge=1024, le=65535)
    media_idle_timeout_ms: int = Field(default=1000, ge=100, le=60000)
    media_jitter_ms: int = Field(default=60, ge=0, le=1000)


class AnalyticsSettings(Section):
    """The analytics page's daily report."""

    daily_report_to: list[str] = Field(
        default_factory=list,
        description="Addresses that get yesterday's analytics (figures in the mail, tables as XLSX) "
        "each day at 06:00 UTC, through channels.relay_*; empty: no report",
    )


class QaSettings(Section):
    """qa/: compliance, card data, agent assist, the FAQ bot, scorecards."""

    # --- assist part: the FAQ bot on text channels (qa/faqbot.py, tickets/assist/) ---
    faq_bot_enabled: bool = Field(
        default=True, description="The FAQ bot answers customers on text channels until an agent joins"
    )
    faq_bot_channels: list[Literal["webchat", "sms", "wechat", "email"]] = Field(
        default=["webchat", "sms", "wechat"],
        description="Text channels the FAQ bot answers on (when faq_bot_enabled)",
    )
    # --- end of the assist part ---


class Settings(BaseSettings):
    """Everything Voxdesk reads at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="VOXDESK_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in the data dir when unset"
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    cache_dir: Path = Field(default_factory=default_cache_dir)
    log_level: str = "INFO"
    demo_data: bool = True
    redis: RedisSettings = Field(default_factory=RedisSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    asterisk: AsteriskSettings = Field(default_factory=AsteriskSettings)
    telephony: TelephonySettings = Field(default_factory=TelephonySettings)
    asr: AsrSettings = Field(default_factory=AsrSettings)
    customers: CustomerSettings = Field(default_factory=CustomerSettings)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    qa: QaSettings = Field(default_factory=QaSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:// and postgresql:// URLs are supported")
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.data_dir / 'voxdesk.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats explicit init values (the YAML file), which beat the defaults.
        return (env_settings, init_settings)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(f"settings file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path} must hold a mapping of keys, not {type(data).__name__}")
    return data


def _explain(exc: ValidationError, source: str) -> SettingsError:
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(root)"
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown setting"
        lines.append(f"{key}: {reason} (got {err.get('input')!r})")
    return SettingsError(f"invalid settings ({source}):\n  " + "\n  ".join(lines))


def load_settings(config_path: str | Path | None = None) -> Settings:
    """Build the settings from defaults, the YAML file and the environment.

    Raises:
        SettingsError: a value is wrong; the message names the key and the reason.
    """
    explicit = config_path or os.environ.get("VOXDESK_CONFIG")
    path = Path(explicit) if explicit else DEFAULT_CONFIG_FILE
    if explicit and not path.exists():
        raise SettingsError(f"settings file {path} does not exist")
    file_values = _read_yaml(path) if path.exists() else {}
    source = f"{path} and VOXDESK_* environment" if path.exists() else "VOXDESK_* environment"
    try:
        return Settings(**file_values)
    except ValidationError as exc:
        raise _explain(exc, source) from None
