"""Settings of call control (mounted on :class:`config.settings.Settings` as ``telephony``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator


class QueueSettings(BaseModel):
    """One queue: who may take its calls and what happens when nobody does."""

    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    name: str = ""
    skills: dict[str, int] = Field(default_factory=dict, description="skill -> minimum level an agent needs")
    offer_timeout_s: int = Field(
        default=15, ge=2, le=120, description="ring an agent this long, then the next"
    )
    overflow_after_s: float | None = Field(default=None, gt=0)
    overflow_queue: str | None = None
    max_wait_s: float | None = Field(default=None, gt=0, description="then offer a callback (if enabled)")
    callback_enabled: bool = False
    moh_class: str = "default"


class RecordingSettings(BaseModel):
    enabled: bool = True
    format: str = "wav"
    retention_days: int = Field(default=90, ge=1)


class TelephonySettings(BaseModel):
    """Queues, timers and recording; the IVR flow file is edited by admins."""

    key_prefix: str = "voxdesk"
    ivr_flow: Path | None = Field(default=None, description="IVR flow YAML; config/ivr/main.yaml when unset")
    queues: list[QueueSettings] = Field(default_factory=lambda: [QueueSettings(id="general", name="General")])
    default_queue: str = "general"
    wrap_up_s: float = Field(default=10.0, ge=0)
    tick_s: float = Field(default=0.25, gt=0, le=5)
    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    callback_dial_template: str = Field(
        default="PJSIP/caller/sip:{number}@127.0.0.1", description="dial string for calling a customer back"
    )
    callback_caller_id: str = "Voxdesk <1000>"
    callback_prompt: str = "sound:vm-press"
    callback_max_attempts: int = Field(default=3, ge=1)
    lease_ttl_s: float = Field(default=5.0, ge=1)

    @model_validator(mode="after")
    def _queues_refer_to_queues(self) -> TelephonySettings:
        ids = {queue.id for queue in self.queues}
        if self.default_queue not in ids:
            raise ValueError(f"default_queue {self.default_queue!r} is not one of the queues {sorted(ids)}")
        for queue in self.queues:
            if queue.overflow_queue and queue.overflow_queue not in ids:
                raise ValueError(
                    f"queue {queue.id!r}: overflow_queue {queue.overflow_queue!r} does not exist"
                )
        return self

    def queue(self, queue_id: str) -> QueueSettings | None:
        return next((queue for queue in self.queues if queue.id == queue_id), None)
