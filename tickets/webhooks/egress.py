"""Where outgoing webhooks may connect: public addresses, or networks an admin allow-listed.

A webhook URL is typed by a supervisor, so without this check Voxdesk would POST to its own
loopback services, the LAN, or a cloud metadata endpoint for them, and the delivery log (connection
refused, timeout, HTTP status) would map which ports answer. The host is resolved once; every
address it resolves to must be allowed; the request then goes to the checked address itself (the
``Host`` header and TLS server name keep the original name), so a DNS answer that changes between
the check and the connection (rebinding) cannot move the request elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from config.errors import OutboundAddressRefusedError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
REFUSED = "refused: the address is not allowed for webhooks"
# Cloud metadata services answer on these (the IPv4 one is link-local, AWS's IPv6 one is not).
METADATA = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"))
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, not public


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (one DNS look-up)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundAddressRefusedError(f"cannot resolve the webhook host: {exc}") from None
    return [str(info[4][0]) for info in infos]


def is_forbidden(address: IpAddress) -> bool:
    """Loopback, private, link-local, metadata, multicast, reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_loopback or address.is_private or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or address in SHARED_ADDRESS_SPACE
        or any(address in net for net in METADATA)
    )  # fmt: skip


@dataclass(frozen=True)
class PinnedRequest:
    """The URL with the checked address in place of the name, and what keeps the name visible."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, str]


@dataclass(frozen=True)
class OutboundGuard:
    """Checks a webhook URL's addresses and pins the request to the checked one."""

    allowed: tuple[IpNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver)

    @classmethod
    def from_setting(cls, networks: Iterable[str], resolver: Resolver = system_resolver) -> OutboundGuard:
        return cls(tuple(ipaddress.ip_network(n, strict=False) for n in networks), resolver)

    def _allowed(self, address: IpAddress) -> bool:
        return not is_forbidden(address) or any(address in net for net in self.allowed)

    def check(self, url: str) -> tuple[str, IpAddress]:
        """The URL's host and its one checked address.

        Raises:
            OutboundAddressRefusedError: no host, not http(s), unresolvable, or an address not allowed
                (the message names neither the address nor the port).
        """
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise OutboundAddressRefusedError("a webhook URL needs http(s) and a host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal: IpAddress | None = ipaddress.ip_address(parts.hostname)
        except ValueError:
            literal = None
        found = [literal] if literal else [ipaddress.ip_address(a.split("%", 1)[0])
                                           for a in self.resolver(parts.hostname, port)]  # fmt: skip
        if not found or not all(self._allowed(a) for a in found):
            raise OutboundAddressRefusedError(REFUSED)
        return parts.hostname, found[0]

    def pin(self, url: str) -> PinnedRequest:
        """The request to send: to the checked address, with the original ``Host`` and TLS name."""
        host, address = self.check(url)
        parsed = httpx.URL(url)
        pinned = parsed.copy_with(host=str(address))
        host_header = host if parsed.port is None else f"{host}:{parsed.port}"
        named = host != str(address)  # an IP literal in the URL has no TLS server name to keep
        extensions = {"sni_hostname": host} if parsed.scheme == "https" and named else {}
        return PinnedRequest(str(pinned), {"Host": host_header}, extensions)
