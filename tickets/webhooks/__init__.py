"""Outgoing signed webhooks for ticket events, delivered by Celery with retries."""
