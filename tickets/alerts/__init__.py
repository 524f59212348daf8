"""Proactive tickets from signed device and system alert webhooks."""
