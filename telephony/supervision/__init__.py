"""Supervisors listening to, whispering to (agent only) or barging into a live call."""
