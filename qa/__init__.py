"""Quality and assistance on live conversations: compliance rules, card-data redaction, agent assist,
the FAQ bot and post-call scorecards, for voice (transcript frames from asr/) and text alike.

qa/ decides and emits; it never talks to Asterisk and imports neither telephony nor web.
"""
