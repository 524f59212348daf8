"""Inbound calls: the Stasis handlers that take a call in, and its conversation in ``tickets``."""
