"""The one way mail authentication (SPF, DKIM, DMARC) asks DNS, with a timeout, and its test seam.

:class:`DnsResolver` is the interface; :class:`SystemResolver` asks the system's DNS servers through
dnspython, :class:`StaticResolver` answers from a map (tests, and installations without DNS that
configure ``channels.mail_dns_static_txt``). The library adapters below (dkimpy's ``dnsfunc``,
authheaders' ``dnsfunc``, pyspf's lookups) all go through the resolver, so no check reaches the
network behind its back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import dns.exception
import dns.resolver

from tickets.channels.exceptions import ChannelError

RECORD_TYPES = ("TXT", "A", "AAAA", "MX", "PTR")


class DnsTemporaryError(ChannelError):
    """DNS did not answer in time; the check's result is ``temperror``."""

    recoverable = True


class DnsResolver(Protocol):
    """Answers one question: the records of ``rdtype`` at ``name`` (empty when there are none).

    TXT records come as one string each (their chunks joined), MX as ``"<preference> <host>"``,
    A/AAAA as addresses, PTR as host names.
    """

    def lookup(self, name: str, rdtype: str) -> list[str]: ...


class SystemResolver:
    """The system's DNS servers through dnspython, each answer bounded by ``timeout`` seconds."""

    def __init__(self, timeout: float = 5.0, nameservers: Sequence[str] = ()) -> None:
        try:
            self._resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:  # no resolv.conf: every answer is a temperror
            self._resolver = dns.resolver.Resolver(configure=False)
        if nameservers:
            self._resolver.nameservers = list(nameservers)
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout

    def lookup(self, name: str, rdtype: str) -> list[str]:
        if rdtype not in RECORD_TYPES:
            raise ValueError(f"unsupported record type {rdtype}")
        try:
            answer = self._resolver.resolve(name.rstrip("."), rdtype, raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.name.EmptyLabel, dns.name.LabelTooLong):
            return []
        except (
            dns.exception.Timeout,
            dns.resolver.NoNameservers,
            dns.resolver.NoResolverConfiguration,
        ) as exc:
            raise DnsTemporaryError(f"DNS lookup of {rdtype} {name} failed: {exc}") from exc
        records: list[str] = []
        for rdata in answer:
            if rdtype == "TXT":
                records.append(b"".join(rdata.strings).decode("utf-8", "replace"))
            elif rdtype == "MX":
                records.append(f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True)}")
            elif rdtype == "PTR":
                records.append(rdata.target.to_text(omit_final_dot=True))
            else:
                records.append(rdata.address)
        return records


class StaticResolver:
    """Answers from a map: ``{"example.com": ["v=spf1 -all"]}`` holds TXT records, and
    ``{("mail.example.com", "A"): ["192.0.2.1"]}`` any type. Nothing else exists."""

    def __init__(self, records: Mapping[str | tuple[str, str], Sequence[str]]) -> None:
        self._records: dict[tuple[str, str], list[str]] = {}
        for key, values in records.items():
            name, rdtype = (key, "TXT") if isinstance(key, str) else key
            self._records[(name.lower().rstrip("."), rdtype.upper())] = list(values)
        self.questions: list[tuple[str, str]] = []  # what was asked, for tests to check

    def lookup(self, name: str, rdtype: str) -> list[str]:
        question = (name.lower().rstrip("."), rdtype.upper())
        self.questions.append(question)
        return list(self._records.get(question, []))


def dkim_dnsfunc(resolver: DnsResolver) -> Callable[..., bytes | None]:
    """dkimpy's ``dnsfunc(name, timeout=5) -> bytes | None`` (the first TXT record)."""

    def get_txt(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        records = resolver.lookup(text, "TXT")
        return records[0].encode() if records else None

    return get_txt


def dmarc_dnsfunc(resolver: DnsResolver) -> Callable[..., str | None]:
    """authheaders' ``dnsfunc(name) -> str | None``: the DMARC record, if one is published."""

    def get_txt(name: str, qtype: str = "TXT") -> str | None:
        records = [r for r in resolver.lookup(name, "TXT") if r.startswith("v=DMARC1")]
        return records[0] if len(records) == 1 else None  # two DMARC records count as none

    return get_txt


def mail_resolver(static_txt: Mapping[str, Sequence[str]] | None, timeout: float) -> DnsResolver:
    """The resolver the settings ask for: the static map when one is configured, else the system's."""
    if static_txt is not None:
        records: dict[str | tuple[str, str], Sequence[str]] = {}
        records.update(static_txt)
        return StaticResolver(records)
    return SystemResolver(timeout=timeout)
