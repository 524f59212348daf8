"""IVR exits that do not reach an agent queue: voicemail, transfer to a number, and ending the call.

Voicemail: Asterisk records the caller (``channels/{id}/record``) to
``<spool>/recording/voicemail/<box>/<call id>.<format>``; the call record keeps that name as its
``recording_name`` with disposition ``voicemail``. Transfer: the number is dialled from Asterisk and
bridged with the caller when it answers; if it cannot be reached the caller goes to the fallback queue.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable

from telephony.ari import AriError, AriNotFoundError
from telephony.ari.models import Channel
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import now
from telephony.context import ControlContext

log = logging.getLogger(__name__)

BOX_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
VOICEMAIL_PREFIX = "voicemail/"


def voicemail_name(box: str, call_id: str) -> str:
    """The recording name (relative to Asterisk's recording dir); odd box names use ``general``."""
    return f"{VOICEMAIL_PREFIX}{box if BOX_NAME.match(box) else 'general'}/{call_id}"


class OutsideExits:
    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx
        self.recording: dict[str, str] = {}  # voicemail recording name -> call id
        self.dialling: dict[str, str] = {}  # outbound transfer channel -> call id
        # Where a failed transfer sends the caller (the stasis app routes to the fallback queue).
        self.on_transfer_failed: Callable[[str], Awaitable[None]] | None = None

    async def end_call(self, call_id: str, disposition: str, *, hang_up: bool = True) -> None:
        """Finish a call that never reached an agent (IVR hang-up, voicemail left)."""
        with contextlib.suppress(CallNotFoundError):
            async with self.ctx.calls.editing(call_id) as edit:
                if edit.call.is_over:
                    return
                edit.call.disposition = disposition
                channel_id = edit.call.caller_channel_id
                edit.move("ended")
            if hang_up:
                with contextlib.suppress(AriError):
                    await self.ctx.rest.hangup(channel_id)

    # -- voicemail ------------------------------------------------------------------------------------
    async def voicemail(self, call_id: str, channel_id: str, box: str) -> None:
        settings = self.ctx.settings.voicemail
        name = voicemail_name(box, call_id)
        async with self.ctx.calls.editing(call_id) as edit:
            edit.call.recording_name = name
            edit.call.disposition = "voicemail"
        self.recording[name] = call_id
        await self.ctx.rest.request(
            "POST",
            f"/channels/{channel_id}/record",
            {
                "name": name,
                "format": settings.format,
                "maxDurationSeconds": settings.max_seconds,
                "maxSilenceSeconds": settings.max_silence_seconds,
                "ifExists": "overwrite",
                "beep": "true",
                "terminateOn": "#",
            },
        )

    async def voicemail_finished(self, name: str) -> None:
        """The message is complete (silence, '#', or the time limit): thank nobody, just end the call."""
        call_id = self.recording.pop(name, None)
        if call_id is not None:
            await self.end_call(call_id, "voicemail")

    async def caller_left_voicemail(self, call_id: str) -> bool:
        """A caller hanging up is how most messages end; True if this call was leaving one."""
        for name, recording_call in list(self.recording.items()):
            if recording_call == call_id:
                del self.recording[name]
                await self.end_call(call_id, "voicemail", hang_up=False)
                return True
        return False

    # -- transfer to a number -------------------------------------------------------------------------
    async def transfer(self, call_id: str, caller_channel_id: str, number: str) -> None:
        out_id = f"{call_id}-xfer"
        async with self.ctx.calls.editing(call_id) as edit:
            edit.call.disposition = "transferred"
            caller_id = f"{edit.call.caller_name} <{edit.call.caller_number}>"
            edit.move("transferring")
        self.dialling[out_id] = call_id
        with contextlib.suppress(AriError):
            await self.ctx.rest.start_ringing(caller_channel_id)
        try:
            await self.ctx.rest.originate(
                self.ctx.settings.transfer_dial_template.format(number=number),
                app=self.ctx.app,
                app_args=f"transfer,{call_id}",
                channel_id=out_id,
                caller_id=caller_id,
                timeout_s=30,
            )
        except AriError as exc:
            log.warning("transfer of call %s to %s failed: %s", call_id, number, exc)
            await self.transfer_gone(out_id)

    async def transfer_answered(self, call_id: str, channel: Channel) -> None:
        if self.dialling.pop(channel.id, None) is None:
            with contextlib.suppress(AriError):
                await self.ctx.rest.hangup(channel.id)
            return
        try:
            async with self.ctx.calls.editing(call_id) as edit:
                call = edit.call
                if call.state != "transferring":
                    raise CallNotFoundError("the caller left")
                bridge = await self.ctx.rest.create_bridge(
                    "mixing", name=f"call-{call_id}", bridge_id=f"call-{call_id}"
                )
                with contextlib.suppress(AriError):
                    await self.ctx.rest.request("DELETE", f"/channels/{call.caller_channel_id}/ring")
                await self.ctx.rest.add_to_bridge(bridge.id, [call.caller_channel_id, channel.id])
                call.bridge_id, call.agent_channel_id = bridge.id, channel.id
                call.answered_at = now()
                edit.move("connected", call.answered_at)
        except (CallNotFoundError, AriError) as exc:
            log.info("transfer target answered call %s that is gone (%s)", call_id, exc)
            with contextlib.suppress(AriError):
                await self.ctx.rest.hangup(channel.id)

    async def transfer_gone(self, channel_id: str) -> bool:
        """The dialled number hung up before answering; True if it was one of ours."""
        call_id = self.dialling.pop(channel_id, None)
        if call_id is None:
            return False
        call = await self.ctx.calls.store.find(call_id)
        if call is not None and call.state == "transferring" and self.on_transfer_failed is not None:
            with contextlib.suppress(AriNotFoundError, AriError):
                await self.ctx.rest.request("DELETE", f"/channels/{call.caller_channel_id}/ring")
            await self.on_transfer_failed(call_id)
        return True

    async def caller_left_transfer(self, call_id: str) -> None:
        for out_id, dialling_call in list(self.dialling.items()):
            if dialling_call == call_id:
                del self.dialling[out_id]
                with contextlib.suppress(AriError):
                    await self.ctx.rest.hangup(out_id)
