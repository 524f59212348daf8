"""Jinja2 templates of Voxdesk's Asterisk configuration (rendered by ``telephony.sandbox.render``)."""
