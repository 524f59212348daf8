"""The SIP user agent process: ``python -m telephony.sipua.agent call|softphone ...``.

Prints JSON lines (``{"event": ..., "t": seconds, ...}``), the last one ``{"event": "summary", ...}``.
pjsua2 rules kept here: callbacks only on the main thread (``threadCnt=0``, a ``libHandleEvents`` loop);
null sound device; every ``Call`` released before ``libDestroy()`` (else abort at exit); 4 calls a process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pjsua2 as pj

from telephony.sipua.audio import synthesise
from telephony.sipua.plan import DtmfStep

PASSWORD_ENV = "VOXDESK_SIP_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
_T0 = time.monotonic()


def emit(event: str, **fields: Any) -> None:
    """One machine-readable line on stdout."""
    print(json.dumps({"event": event, "t": round(time.monotonic() - _T0, 3), **fields}), flush=True)


class AgentCall(pj.Call):
    """A call that records what it hears and plays a WAV into the line when told to."""

    def __init__(self, account: pj.Account, wav: str | None, record: str | None, call_id: int = -1) -> None:
        super().__init__(account, call_id)
        self.wav, self.record = wav, record
        self.player: pj.AudioMediaPlayer | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.audio: pj.AudioMedia | None = None
        self.started_at = time.monotonic()
        self.confirmed_at: float | None = None
        self.ended_at: float | None = None
        self.status_code: int | None = None
        self.dtmf_received: list[str] = []

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802 - pjsua2 callback name
        info = self.getInfo()
        self.status_code = info.lastStatusCode
        emit("call_state", call_id=info.id, state=info.stateText, code=info.lastStatusCode)
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and self.confirmed_at is None:
            self.confirmed_at = time.monotonic()
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended_at = time.monotonic()

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:  # noqa: N802
        try:
            self._media_changed()
        except Exception as exc:  # SWIG would swallow it silently; report it instead
            emit("error", where="onCallMediaState", error=repr(exc))

    def _media_changed(self) -> None:
        info = self.getInfo()  # keep CallInfo alive: its media vector dangles once the temporary is freed
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.audio = self.getAudioMedia(media.index)
                if self.record and self.recorder is None:
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(self.record)
                    self.audio.startTransmit(self.recorder)
                    emit("recording", path=self.record)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:  # noqa: N802
        self.dtmf_received.append(prm.digit)
        emit("dtmf_received", digit=prm.digit)

    def play(self) -> None:
        """Start the WAV into the call (once)."""
        if self.player is not None or self.audio is None or not self.wav:
            return
        self.player = pj.AudioMediaPlayer()
        self.player.createPlayer(self.wav, pj.PJMEDIA_FILE_NO_LOOP)
        self.player.startTransmit(self.audio)
        emit("playing", path=self.wav)

    def send_dtmf(self, digits: str) -> None:
        """RFC 4733 telephone events, which Asterisk reports as ChannelDtmfReceived."""
        param = pj.CallSendDtmfParam()
        param.method = pj.PJSUA_DTMF_METHOD_RFC2833
        param.digits = digits
        self.sendDtmf(param)
        emit("dtmf_sent", digits=digits)

    def release_media(self) -> None:
        """Drop player and recorder (the recorder finalises its WAV header when destroyed)."""
        self.player = None
        self.recorder = None
        self.audio = None


class AgentAccount(pj.Account):
    """The SIP identity; in softphone mode it answers every incoming call."""

    def __init__(self, wav: str | None = None, record: str | None = None) -> None:
        super().__init__()
        self.wav, self.record = wav, record
        self.calls: list[AgentCall] = []
        self.registration_code: int | None = None

    def onRegState(self, prm: pj.OnRegStateParam) -> None:  # noqa: N802
        self.registration_code = prm.code
        emit("registration", code=prm.code, reason=prm.reason)

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # noqa: N802
        record = self.record
        if record and self.calls:  # one WAV per answered call
            record = record.replace(".wav", f"_{len(self.calls)}.wav")
        call = AgentCall(self, self.wav, record, prm.callId)
        self.calls.append(call)
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)
        emit("incoming_call", remote=call.getInfo().remoteUri)


class UserAgent:
    """The pjsua2 library for one process: created on enter, torn down in the safe order on exit."""

    def __init__(self, bind: str, codec: str) -> None:
        self.bind, self.codec = bind, codec
        self.endpoint = pj.Endpoint()
        self.account: AgentAccount | None = None

    def __enter__(self) -> UserAgent:
        self.endpoint.libCreate()
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = True
        config.uaConfig.userAgent = "Voxdesk-sipua"
        config.logConfig.level = config.logConfig.consoleLevel = 1
        config.medConfig.noVad = True  # VAD would replace quiet speech with comfort noise
        config.medConfig.ecTailLen = 0
        config.medConfig.clockRate = config.medConfig.sndClockRate = 8000
        self.endpoint.libInit(config)
        transport = pj.TransportConfig()
        transport.port = 0
        transport.boundAddress = self.bind
        self.endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.endpoint.libStart()
        self.endpoint.audDevManager().setNullDev()
        for codec in self.endpoint.codecEnum2():  # one codec keeps SDP negotiation predictable
            self.endpoint.codecSetPriority(codec.codecId, 0)
        self.endpoint.codecSetPriority(self.codec, 255)
        return self

    def open_account(self, account: AgentAccount, config: pj.AccountConfig) -> AgentAccount:
        """Create the SIP account with media bound like the signalling."""
        config.mediaConfig.transportConfig.boundAddress = self.bind
        config.natConfig.iceEnabled = False
        account.create(config)
        self.account = account
        return account

    def poll(self, seconds: float) -> None:
        """Run pjsip's event loop on this thread for about ``seconds``."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.endpoint.libHandleEvents(10)

    def __exit__(self, *exc: object) -> None:
        if self.account is not None:
            calls: list[AgentCall] = self.account.calls
            for index in range(len(calls)):  # no loop variable left holding a Call after the loop
                calls[index].release_media()
        self.endpoint.hangupAllCalls()
        self.poll(0.3)
        if self.account is not None:
            self.account.calls.clear()  # Calls die before libDestroy, or ~Call asserts at exit
            gc.collect()
            self.account.shutdown()
            self.poll(0.2)  # let the un-REGISTER go out
        self.endpoint.libDestroy()


def _run_call(args: argparse.Namespace, wav: str | None) -> int:
    steps = sorted((DtmfStep.parse(text) for text in args.dtmf), key=lambda step: step.at)
    with UserAgent(args.bind, args.codec) as agent:
        config = pj.AccountConfig()
        config.idUri = f"sip:{args.user}@{args.server}"
        account = agent.open_account(AgentAccount(), config)
        call = AgentCall(account, wav, args.record)
        account.calls.append(call)
        call.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
        emit("dialing", number=args.number, wall=time.time())  # epoch s: benches compare it with pages
        deadline = time.monotonic() + args.setup_timeout
        sent: list[str] = []
        while call.ended_at is None:
            agent.endpoint.libHandleEvents(10)
            now = time.monotonic()
            if call.confirmed_at is None:
                if now > deadline:
                    emit("setup_timeout")
                    call.hangup(pj.CallOpParam())
                    deadline = now + 5
                continue
            talk = now - call.confirmed_at
            if talk >= args.play_at:
                call.play()
            while steps and talk >= steps[0].at:
                call.send_dtmf(steps[0].digits)
                sent.append(steps.pop(0).digits)
            if talk >= args.hangup_after and call.ended_at is None:
                call.hangup(pj.CallOpParam())
                agent.poll(0.2)
        confirmed, ended = call.confirmed_at, call.ended_at
        emit(
            "summary",
            answered=confirmed is not None,
            status_code=call.status_code,
            setup_seconds=round(confirmed - call.started_at, 3) if confirmed else None,
            talk_seconds=round(ended - confirmed, 3) if confirmed and ended else None,
            dtmf_sent=sent,
            dtmf_received="".join(call.dtmf_received),
            record=args.record if confirmed else None,
        )
        del call  # see UserAgent.__exit__: no Call may outlive the library
        return 0 if confirmed else 1


def _run_softphone(args: argparse.Namespace) -> int:
    stop = {"now": False}

    def request_stop(_signum: int, _frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    password = os.environ.get(args.password_env, "")
    with UserAgent(args.bind, args.codec) as agent:
        config = pj.AccountConfig()
        config.idUri = f"sip:{args.username}@{args.server}"
        config.regConfig.registrarUri = f"sip:{args.server}"
        config.regConfig.timeoutSec = 300
        config.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", args.username, 0, password))
        account = agent.open_account(AgentAccount(args.wav, args.record), config)
        end = time.monotonic() + args.duration if args.duration else None
        while not stop["now"] and (end is None or time.monotonic() < end):
            agent.endpoint.libHandleEvents(10)
            for index in range(len(account.calls)):  # index, not a Call loop variable (see __exit__)
                account.calls[index].play()  # media can become active after the answer
        emit(
            "summary",
            registered=account.registration_code == 200,
            calls_answered=len(account.calls),
            dtmf_received="".join(d for call in account.calls for d in call.dtmf_received),
        )
        return 0 if account.registration_code == 200 else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m telephony.sipua.agent", description=__doc__)
    parser.add_argument("--bind", default="127.0.0.1", help="local address for SIP and RTP")
    sub = parser.add_subparsers(dest="mode", required=True)
    call = sub.add_parser("call", help="call a number as the test caller")
    call.add_argument("number")
    call.add_argument("--user", default="caller")
    call.add_argument("--say", help="text to synthesise and play (when no --wav)")
    call.add_argument("--play-at", type=float, default=0.5)
    call.add_argument("--dtmf", action="append", default=[], metavar="DIGITS@SECONDS")
    call.add_argument("--hangup-after", type=float, default=5.0)
    call.add_argument("--setup-timeout", type=float, default=10.0)
    phone = sub.add_parser("softphone", help="register as an agent and auto-answer")
    phone.add_argument("username")
    phone.add_argument("--password-env", default=PASSWORD_ENV, help="env var holding the SIP password")
    phone.add_argument("--duration", type=float, default=None)
    for mode in (call, phone):
        mode.add_argument("--server", default="127.0.0.1:5060")
        mode.add_argument("--codec", default="PCMU/8000")
        mode.add_argument("--wav")
        mode.add_argument("--record")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (0: answered / registered)."""
    args = _parser().parse_args(argv)
    if args.mode == "softphone":
        return _run_softphone(args)
    with tempfile.TemporaryDirectory(prefix="voxdesk-sipua-") as tmp:
        wav = args.wav
        if not wav and args.say:
            wav = str(synthesise(args.say, Path(tmp) / "say.wav"))
        return _run_call(args, wav)


if __name__ == "__main__":
    sys.exit(main())
