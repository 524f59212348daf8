"""Calls with an agent: hang-ups and wrap-up, hold/resume, blind and warm transfer."""
