"""Live transcription of call legs.

One way through: ``media`` (RTP -> :class:`~asr.frames.AudioFrame`, codecs only there) ->
``vad`` (speech segments) -> ``engines`` (Vosk / faster-whisper behind one streaming interface) ->
``pipeline`` (per leg, bounded lag) -> ``sinks`` (notifier events, ``transcripts`` storage).
Nothing here talks to ARI; telephony/ points externalMedia at a media worker's port.
"""
