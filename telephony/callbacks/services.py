"""Virtual hold: past the maximum wait the caller may press 1 to be called back, keeping their place.

A callback can also be requested in the IVR (:meth:`CallbackService.request`): the call joins the
queue without a caller on the line, exactly like an accepted virtual hold.

The call stays in the waiting list (its score comes from the first time it queued) in state
``callback_pending`` without a channel. When an agent answers the offer, the customer's number is
dialled and bridged with the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import wave

from telephony.ari import AriError
from telephony.ari.models import Channel
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call, now
from telephony.context import ControlContext

log = logging.getLogger(__name__)

ACCEPT_DIGIT = "1"
ANSWER_WINDOW_S = 8.0


class CallbackService:
    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx
        self._offers: dict[str, asyncio.TimerHandle] = {}

    async def _say(self, channel_id: str, text: str, language: str) -> float:
        """Play a rendered prompt; returns its length in seconds."""
        prompt = await asyncio.to_thread(self.ctx.prompts.render, text, language)
        await self.ctx.rest.play(channel_id, prompt.media)
        with wave.open(str(prompt.path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()

    async def request(self, call_id: str, number: str, queue_id: str) -> None:
        """A callback asked for in the IVR: wait in ``queue_id`` as a virtual call (caller hung up)."""
        queue = self.ctx.queue(queue_id)
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            call.queue_id = call.first_queue_id = queue.name
            call.callback_number, call.callback_requested_at = number, now()
            call.queued_at = call.queue_entered_at = call.callback_requested_at
            edit.move("queued")
            edit.move("callback_pending")
            await self.ctx.waiting.add(queue.name, call_id, call.queued_at, call.priority)

    async def offer(self, call: Call) -> None:
        """Play the callback offer over the music; pressing 1 within the window accepts."""
        with contextlib.suppress(AriError):
            await self.ctx.rest.stop_moh(call.caller_channel_id)
        try:
            await self._say(call.caller_channel_id, self.ctx.settings.callback_prompt, call.language)
        except Exception as exc:  # no offer heard: the caller simply keeps waiting
            log.info("callback offer for %s not played: %s", call.call_id, exc)
            return
        loop = asyncio.get_running_loop()
        self._offers[call.call_id] = loop.call_later(
            ANSWER_WINDOW_S, lambda: loop.create_task(self._declined(call.call_id))
        )

    async def _declined(self, call_id: str) -> None:
        self._offers.pop(call_id, None)
        call = await self.ctx.calls.store.find(call_id)
        if call is not None and call.state == "queued":
            with contextlib.suppress(AriError):
                await self.ctx.rest.start_moh(
                    call.caller_channel_id, self.ctx.queue(call.queue_id).music_on_hold
                )

    async def dtmf(self, call_id: str, digit: str) -> None:
        timer = self._offers.get(call_id)
        if timer is None or digit != ACCEPT_DIGIT:
            return
        timer.cancel()
        self._offers.pop(call_id, None)
        try:
            async with self.ctx.calls.editing(call_id) as edit:
                if edit.state != "queued":
                    return
                edit.call.callback_number = edit.call.caller_number
                edit.call.callback_requested_at = now()
                edit.move("callback_pending")
                channel_id, language = edit.call.caller_channel_id, edit.call.language
        except CallNotFoundError:
            return
        with contextlib.suppress(Exception):
            seconds = await self._say(channel_id, self.ctx.settings.callback_accepted_prompt, language)
            await asyncio.sleep(seconds + 0.3)
        with contextlib.suppress(AriError):
            await self.ctx.rest.hangup(channel_id)

    async def dial_customer(self, call: Call) -> None:
        """The agent answered a callback: ring the customer (their answer joins the agent's bridge)."""
        if call.state != "callback_dialing" or not call.callback_number:
            return
        async with self.ctx.calls.editing(call.call_id) as edit:
            channel_id = edit.call.new_channel_id("cb")
            edit.call.caller_channel_id = channel_id
        with contextlib.suppress(AriError):
            await self.ctx.rest.add_to_bridge(call.bridge_id or "", [call.agent_channel_id or ""])
        endpoint = self.ctx.settings.callback_dial_template.format(number=call.callback_number)
        await self.ctx.rest.originate(
            endpoint,
            app=self.ctx.app,
            app_args=f"callback,{call.call_id}",
            channel_id=channel_id,
            caller_id=self.ctx.settings.callback_caller_id,
            timeout_s=30,
        )

    async def customer_answered(self, call_id: str, channel: Channel) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state != "callback_dialing" or call.caller_channel_id != channel.id:
                return
            await self.ctx.rest.add_to_bridge(call.bridge_id or "", [channel.id])
            call.answered_at = now()
            edit.move("connected", call.answered_at)
            await self.ctx.waiting.remove(call.queue_id or "", call_id)
