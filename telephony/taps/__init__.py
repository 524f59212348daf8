"""Media taps: every call leg's incoming audio copied to a media worker for live transcription.

For each leg (the caller from the start of the IVR, an agent once they join the call bridge) the
controller makes a snoop channel that hears only what that leg says (``spy=in``), an externalMedia
channel sending it as mu-law RTP to a port on the least-loaded media worker (``asr.media``), and a
small bridge joining the two. Nothing of this touches the call's own bridge or the IVR: the taps
are separate ARI handlers, and their channels enter Stasis as ``snoop,<call>,tap`` so the inbound
handlers leave them alone. Tap ids live in Redis so a restarted controller cleans up or re-taps.

The same caller tap is the IVR's ear: a speech menu switches the leg to phrase mode and hears the
caller's final transcripts back from the call's event channel (:mod:`telephony.taps.listening`).
"""

from telephony.taps.listening import RedisTranscriptFeed, TapSpeechListener, TranscriptFeed
from telephony.taps.ports import MediaPorts, WorkerPorts
from telephony.taps.services import MediaTapService
from telephony.taps.stasis import MediaTapStasis, attach_media_taps, attach_to_controller, speech_menus
from telephony.taps.store import LegTap, TapStore

__all__ = [
    "LegTap",
    "MediaPorts",
    "MediaTapService",
    "MediaTapStasis",
    "RedisTranscriptFeed",
    "TapSpeechListener",
    "TapStore",
    "TranscriptFeed",
    "WorkerPorts",
    "attach_media_taps",
    "attach_to_controller",
    "speech_menus",
]
