"""Calls waiting for agents: the ordered waiting lists in Redis and the agent choice."""
