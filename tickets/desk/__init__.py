"""Tickets: created by agents, rules, calls, messages and alerts; tasks per group; templates."""
