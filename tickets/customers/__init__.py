"""Customers and their identities across channels (phone, e-mail, chat, messaging, app, device)."""
