"""Callbacks (virtual hold): the caller hangs up and is called back when an agent is free."""
