"""The console people use: server-rendered pages per role, in English and Chinese.

Pages are Jinja2 templates (``templates/``) extending ``base.html``; their scripts are static ES
modules (``static/``; the content security policy allows no inline script) that talk to the JSON
API with the session cookie and follow ``/ws/calls``. Strings come from ``locales/<lang>/*.json``.
"""
