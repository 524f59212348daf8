"""Agents as call control sees them: status in Redis (login, pause, busy, wrap-up) and its events."""
