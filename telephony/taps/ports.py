"""Where tapped audio goes: a port on a media worker, chosen by load (the seam unit tests fake)."""

from __future__ import annotations

from typing import Any, Protocol

from asr.exceptions import MediaError
from asr.media.control import MediaWorkerClient, MediaWorkerDirectory, PortAllocation
from telephony.taps.exceptions import TapError


class MediaPorts(Protocol):
    """Allocate and release one leg's RTP port; switch a leg's phrase list (IVR speech menus); say
    which workers run (a leg whose worker is not among them lost its transcription)."""

    async def allocate(
        self,
        call_id: str,
        leg: str,
        codec: str,
        speaker: str | None,
        elapsed: float = 0.0,
        queue: str | None = None,
    ) -> PortAllocation: ...

    async def live_workers(self) -> set[str]: ...

    async def release(self, worker_id: str, call_id: str, leg: str) -> dict[str, Any]: ...

    async def set_phrases(
        self, worker_id: str, call_id: str, leg: str, phrases: list[str] | None
    ) -> None: ...


class WorkerPorts:
    """:class:`MediaPorts` over the media workers that publish their load in Redis."""

    def __init__(self, directory: MediaWorkerDirectory) -> None:
        self.directory = directory

    @classmethod
    def from_url(cls, redis_url: str) -> WorkerPorts:
        return cls(MediaWorkerDirectory(redis_url))

    async def allocate(
        self,
        call_id: str,
        leg: str,
        codec: str,
        speaker: str | None,
        elapsed: float = 0.0,
        queue: str | None = None,
    ) -> PortAllocation:
        try:
            return await self.directory.allocate_port(
                call_id, leg, codec, speaker=speaker, elapsed=elapsed, queue=queue
            )
        except MediaError as exc:
            raise TapError(f"no media port for {call_id}/{leg}: {exc}", recoverable=exc.recoverable) from exc

    async def live_workers(self) -> set[str]:
        return {worker.worker_id for worker in await self.directory.workers()}

    async def _client(self, worker_id: str) -> MediaWorkerClient:
        for worker in await self.directory.workers():
            if worker.worker_id == worker_id:
                return MediaWorkerClient(worker.host, worker.control_port)
        raise TapError(f"media worker {worker_id} is gone", recoverable=False)

    async def release(self, worker_id: str, call_id: str, leg: str) -> dict[str, Any]:
        """Close the port; the worker recognises the last words before it answers."""
        try:
            return await (await self._client(worker_id)).release(call_id, leg)
        except MediaError as exc:
            raise TapError(f"release of {call_id}/{leg}: {exc}", recoverable=exc.recoverable) from exc

    async def set_phrases(self, worker_id: str, call_id: str, leg: str, phrases: list[str] | None) -> None:
        try:
            await (await self._client(worker_id)).set_phrases(call_id, leg, phrases)
        except MediaError as exc:
            raise TapError(f"phrases for {call_id}/{leg}: {exc}", recoverable=exc.recoverable) from exc

    async def aclose(self) -> None:
        await self.directory.aclose()
