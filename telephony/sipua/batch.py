"""Up to four test-caller calls from one process, for load: ``python -m telephony.sipua.batch``.

One pjsua2 library per process serves four calls (its default call limit), so a load test needs a
quarter of the processes. With ``--wav`` every call talks: it plays the WAV into the line.
Nothing is recorded: the first audio heard is read from the signal level
each call feeds into pjsua2's conference bridge (polled every few ms; silence reads 0, a prompt
20-40), and each call reports INVITE -> first audio in ms. Times are epoch seconds so the bench
can schedule calls across processes.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass, field

import pjsua2 as pj

from telephony.sipua.agent import AgentAccount, AgentCall, UserAgent, emit
from telephony.sipua.plan import DtmfStep

MAX_CALLS = 4


class LevelCall(AgentCall):
    """A call whose received audio goes to the null sound device, so its level is measured."""

    def _media_changed(self) -> None:
        info = self.getInfo()
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.audio = self.getAudioMedia(media.index)
                # the bridge only reads ports that something listens to
                self.audio.startTransmit(pj.Endpoint.instance().audDevManager().getPlaybackDevMedia())


@dataclass
class Scheduled:
    index: int
    at: float
    call: LevelCall | None = None
    dialed_at: float | None = None
    first_audio_at: float | None = None
    steps: list[DtmfStep] = field(default_factory=list)
    reported: bool = False


def _tick(entry: Scheduled, args: argparse.Namespace) -> None:
    call = entry.call
    assert call is not None and entry.dialed_at is not None
    now = time.time()
    if entry.first_audio_at is None and call.audio is not None:
        level = call.audio.getTxLevel()  # what the call port feeds into the bridge: the remote audio
        if level >= args.level_threshold:
            entry.first_audio_at = now
            emit("first_audio", index=entry.index, ms=round((now - entry.dialed_at) * 1000, 1), level=level)
    if call.confirmed_at is None or call.ended_at is not None:
        return
    talk = time.monotonic() - call.confirmed_at
    if args.wav and talk >= args.play_at:
        call.play()  # once; the caller talks (speech load tests)
    while entry.steps and talk >= entry.steps[0].at:
        call.send_dtmf(entry.steps.pop(0).digits)
    if talk >= args.hangup_after:
        call.hangup(pj.CallOpParam())


def _drive(
    agent: UserAgent, account: AgentAccount, schedule: list[Scheduled], args: argparse.Namespace, steps: int
) -> None:
    """Dial each call at its time, watch levels, press digits, hang up; until every call is reported.

    A function of its own so no loop variable outlives it holding a Call (see UserAgent.__exit__).
    """
    while not all(entry.reported for entry in schedule):
        agent.endpoint.libHandleEvents(5)
        now = time.time()
        for entry in schedule:
            if entry.call is None and now >= entry.at:
                entry.call = LevelCall(account, args.wav, None)
                account.calls.append(entry.call)
                entry.dialed_at = time.time()
                entry.call.makeCall(f"sip:{args.number}@{args.server}", pj.CallOpParam(True))
                emit("dialing", index=entry.index, late_ms=round((entry.dialed_at - entry.at) * 1000, 1))
            elif entry.call is not None and not entry.reported:
                _tick(entry, args)
                if entry.call.ended_at is not None or now - (entry.dialed_at or now) > args.hangup_after + 20:
                    entry.reported = True
                    _report(entry, steps)


def _report(entry: Scheduled, steps: int) -> None:
    call = entry.call
    assert call is not None
    first = entry.first_audio_at
    emit(
        "call_summary",
        index=entry.index,
        answered=call.confirmed_at is not None,
        status_code=call.status_code,
        first_audio_ms=round((first - entry.dialed_at) * 1000, 1) if first and entry.dialed_at else None,
        dtmf_sent=steps - len(entry.steps),
    )


def run(args: argparse.Namespace) -> int:
    steps = sorted((DtmfStep.parse(text) for text in args.dtmf), key=lambda step: step.at)
    schedule = [Scheduled(i, at, steps=list(steps)) for i, at in enumerate(sorted(args.at)[:MAX_CALLS])]
    started = time.time()
    with UserAgent(args.bind, args.codec) as agent:
        config = pj.AccountConfig()
        config.idUri = f"sip:caller@{args.server}"
        account = agent.open_account(AgentAccount(), config)
        emit("ready", calls=len(schedule))
        _drive(agent, account, schedule, args, len(steps))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        emit(
            "summary",
            cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
            wall_s=round(time.time() - started, 3),
        )
        schedule.clear()  # no Call may outlive the library (see UserAgent.__exit__)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m telephony.sipua.batch", description=__doc__)
    parser.add_argument("number")
    parser.add_argument("--server", default="127.0.0.1:5060")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--codec", default="PCMU/8000")
    parser.add_argument("--at", type=float, action="append", required=True, help="epoch second to dial")
    parser.add_argument("--dtmf", action="append", default=[], metavar="DIGITS@SECONDS")
    parser.add_argument("--hangup-after", type=float, default=4.0)
    parser.add_argument("--wav", help="8 kHz WAV each call plays into the line (nothing when unset)")
    parser.add_argument("--play-at", type=float, default=1.0, help="seconds after the answer to play --wav")
    parser.add_argument("--level-threshold", type=int, default=8, help="bridge level (0..255) = audio")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
