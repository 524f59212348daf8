"""Settings of call control (mounted on :class:`config.settings.Settings` as ``telephony``).

Queues and routing rules are not here: ``<data_dir>/routing/`` (queues.yaml, rules.yaml, seeded from
``config/routing/``) is their one source of truth, read from ``routing_dir``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from config.settings_base import Section


class RecordingSettings(Section):
    enabled: bool = True
    format: str = "wav"
    retention_days: int = Field(default=90, ge=1)
    directory: Path | None = Field(
        default=None,
        description="where recordings are read (review page) and purged; the Asterisk sandbox's "
        "recording folder when unset (for an external Asterisk: a mounted copy of its folder)",
    )


class VoicemailSettings(Section):
    """Messages left from the IVR: recorded by Asterisk under ``<spool>/recording/voicemail/<box>/``."""

    max_seconds: int = Field(default=120, ge=5, le=900)
    max_silence_seconds: int = Field(default=6, ge=0, le=60)
    format: str = "wav"


class TelephonySettings(Section):
    """Timers, dial strings, recording; the IVR flow and routing files are edited by admins."""

    key_prefix: str = "voxdesk"
    ivr_flow: Path | None = Field(
        default=None, description="IVR flow; <data_dir>/ivr/main.yaml (seeded from config/ivr) when unset"
    )
    routing_dir: Path | None = Field(
        default=None,
        description="queues.yaml and rules.yaml; <data_dir>/routing (seeded from config/routing) when unset",
    )
    prompts_dir: Path | None = Field(
        default=None,
        description="synthesised prompt cache; inside the sandbox chroot when unset (Asterisk must read it)",
    )
    wrap_up_s: float = Field(default=10.0, ge=0)
    tick_s: float = Field(default=0.25, gt=0, le=5)
    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    voicemail: VoicemailSettings = Field(default_factory=VoicemailSettings)
    callback_dial_template: str = Field(
        default="PJSIP/caller/sip:{number}@127.0.0.1", description="dial string for calling a customer back"
    )
    transfer_dial_template: str = Field(
        default="PJSIP/caller/sip:{number}@127.0.0.1", description="dial string for an IVR transfer"
    )
    callback_caller_id: str = "Voxdesk <1000>"
    callback_prompt: str = "To be called back instead of waiting, keeping your place in the queue, press 1."
    callback_accepted_prompt: str = "Thank you. We will call you back. Goodbye."
    callback_max_attempts: int = Field(default=3, ge=1)
    lease_ttl_s: float = Field(default=5.0, ge=1)
