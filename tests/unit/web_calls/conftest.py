"""The call-control API's ``desk`` fixture (an app on the real Redis, a user per role), shared here."""

from test_call_control_api import desk  # noqa: F401
