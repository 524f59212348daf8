"""Which of an account's phones are registered, and which one a call to the account rings.

A SIP account has two pjsip endpoints (``config/asterisk/pjsip_agents.conf.j2``): ``agent1`` for a desk
phone or installed softphone (UDP) and ``agent1-web`` for the browser softphone in the console
(WebRTC). Presence records every endpoint's state here from Asterisk's ``EndpointStateChange``
events; call control dials through :meth:`RegisteredDevices.dial_target`, so a call to ``PJSIP/agent1``
rings the browser while it is registered (the agent is at the console) and the desk phone otherwise.
"""

from __future__ import annotations

from telephony.sandbox.agents import account_of_endpoint, browser_endpoint

TECHNOLOGY = "PJSIP"


class RegisteredDevices:
    """Registration state per pjsip endpoint, as presence last saw it."""

    def __init__(self) -> None:
        self._online: dict[str, bool] = {}

    def state(self, resource: str) -> bool | None:
        """True online, False offline, None never seen."""
        return self._online.get(resource)

    def update(self, resource: str, online: bool) -> None:
        self._online[resource] = online

    def clear(self) -> None:
        self._online.clear()

    def account_online(self, account: str) -> bool:
        """Whether any phone of the SIP account (desk or browser) is registered."""
        return bool(self._online.get(account) or self._online.get(browser_endpoint(account)))

    def dial_target(self, endpoint: str) -> str:
        """Where to ring the account of ``endpoint`` (``PJSIP/agent1``): its browser when registered."""
        technology, _, resource = endpoint.partition("/")
        if technology.upper() != TECHNOLOGY or "/" in resource or account_of_endpoint(resource) != resource:
            return endpoint  # a full dial string, another technology, or already a browser endpoint
        web = browser_endpoint(resource)
        return f"{technology}/{web}" if self._online.get(web) else endpoint
