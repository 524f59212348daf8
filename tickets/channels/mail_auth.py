"""SPF, DKIM and DMARC for each inbound mail, with well-kept libraries, through one DNS seam.

- SPF: pyspf, for the connecting IP, the envelope sender (MAIL FROM) and the HELO name.
- DKIM: dkimpy verifies every ``DKIM-Signature`` (its ``dnsfunc`` reads the key through the seam).
- DMARC: authheaders reads the From domain's (or its organisational domain's) policy record; the
  organisational domain comes from the public suffix list authheaders ships, parsed once (authheaders'
  own ``dmarc_per_from`` re-parses it twice per mail: 130 ms of CPU each time).

The verdict is what Voxdesk acts on:

- ``pass``: an aligned DKIM pass or an aligned SPF pass (the From domain, or its organisational
  domain, is the one that passed) and DMARC does not fail. Such a mail may join its thread and proves
  its From address, which becomes a verified identity of the customer.
- ``fail``: DMARC fails with a ``reject``/``quarantine`` policy, or SPF fails (``-all``) with no
  aligned DKIM pass, or a DKIM signature of the From domain is forged. The mail is kept (never lost)
  but opens a conversation of its own flagged ``spoof_suspected``; it cannot join a thread or verify
  an address.
- ``none``: nothing proves or disproves the sender (no SPF/DKIM/DMARC, or DNS did not answer). Kept,
  but like ``fail`` it cannot join an existing thread or verify an address.
"""

from __future__ import annotations

import importlib.resources
import ipaddress
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import dkim
import spf
from authheaders.dmarc_lookup import DMARCException, lookup_receiver_record
from publicsuffix2 import PublicSuffixList

from tickets.channels.mail_dns import DnsResolver, DnsTemporaryError, dkim_dnsfunc, dmarc_dnsfunc

Verdict = Literal["pass", "fail", "none"]


@dataclass(frozen=True)
class MailAuthResult:
    """What the checks found for one mail; stored on the message as ``meta["auth"]``."""

    spf: str = "none"  # pass, fail, softfail, neutral, none, permerror, temperror
    spf_domain: str = ""  # the MAIL FROM domain SPF judged
    dkim: str = "none"  # pass, fail, none, temperror
    dkim_domains: tuple[str, ...] = ()  # d= of the signatures that passed
    dmarc: str = "none"  # pass, fail, none, permerror, temperror
    dmarc_policy: str = ""
    from_domain: str = ""
    verdict: Verdict = "none"
    proved_by: str = ""  # "dkim:<domain>" or "spf:<domain>" when the verdict is pass

    @property
    def authenticated(self) -> bool:
        return self.verdict == "pass"

    def as_meta(self) -> dict[str, Any]:
        data = asdict(self)
        data["dkim_domains"] = list(self.dkim_domains)
        return data


UNCHECKED = MailAuthResult()


@cache
def _public_suffixes() -> PublicSuffixList:
    with (
        importlib.resources.as_file(
            importlib.resources.files("authheaders") / "public_suffix_list.txt"
        ) as path,
        path.open(encoding="utf-8") as handle,
    ):
        return PublicSuffixList(handle)


@lru_cache(maxsize=4096)
def organisational_domain(domain: str) -> str:
    """The registrable domain (``mail.shop.example.co.uk`` -> ``example.co.uk``) by the public suffix list."""
    domain = domain.lower().rstrip(".")
    if not domain:
        return ""
    found = str(_public_suffixes().get_public_suffix(domain) or "")
    if "." not in found:  # a TLD the list does not know: its default rule "*" makes it a suffix
        found = ".".join(domain.split(".")[-2:])
    return found


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (DMARC's default): the same organisational domain."""
    return bool(domain) and organisational_domain(domain) == organisational_domain(from_domain)


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


class _SpfQuery(spf.query):  # pyspf has no types: its query is Any
    """pyspf's query with every DNS question asked of our resolver instead of the module's own."""

    def __init__(self, resolver: DnsResolver, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._resolver = resolver

    def dns(self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
        name = str(name).rstrip(".").lower()
        if qtype == "SPF":  # the obsolete type 99: nobody publishes it
            return []
        try:
            records = self._resolver.lookup(name, qtype)
        except DnsTemporaryError as exc:
            raise spf.TempError(f"DNS {exc}") from exc
        if not records and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        if qtype == "TXT":
            return [(record.encode(),) for record in records]
        if qtype == "MX":
            pairs = [record.split(None, 1) for record in records]
            return [(int(pref), host) for pref, host in pairs if pref.isascii() and pref.isdigit()]
        return records


def check_spf(resolver: DnsResolver, peer_ip: str, mail_from: str, helo: str) -> str:
    """pyspf's result for the connecting IP and envelope sender (``none`` without an IP)."""
    try:
        ipaddress.ip_address(peer_ip)
    except ValueError:
        return "none"
    query = _SpfQuery(resolver, i=peer_ip, s=mail_from or f"postmaster@{helo}", h=helo or "unknown")
    result, _code, _explanation = query.check()
    return str(result)


# dkimpy's own errors, and what its parser raises on hostile bytes (found by fuzzing).
_DKIM_INPUT_ERRORS = (dkim.DKIMException, IndexError, ValueError, KeyError, TypeError)


def check_dkim(resolver: DnsResolver, raw: bytes) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(result, domains that passed, domains that failed) over every DKIM-Signature of the mail."""
    try:
        signer = dkim.DKIM(raw)
    except _DKIM_INPUT_ERRORS:  # headers dkimpy cannot read: no signature of it can hold
        return "permerror", (), ()
    count = sum(1 for name, _value in signer.headers if name.lower() == b"dkim-signature")
    if count == 0:
        return "none", (), ()
    passed: list[str] = []
    failed: list[str] = []
    temporary = False
    for index in range(min(count, 5)):  # a mail with dozens of signatures gets no more DNS work
        verifier = dkim.DKIM(raw)
        try:
            ok = verifier.verify(idx=index, dnsfunc=dkim_dnsfunc(resolver))
        except DnsTemporaryError:
            temporary = True
            continue
        except _DKIM_INPUT_ERRORS:
            ok = False
        domain = verifier.signature_fields.get(b"d", b"").decode("ascii", "replace").lower()
        (passed if ok else failed).append(domain)
    if passed:
        return "pass", tuple(passed), tuple(failed)
    return ("temperror" if temporary and not failed else "fail"), (), tuple(failed)


def check_dmarc(
    resolver: DnsResolver, from_domain: str, aligned_spf: bool, aligned_dkim: bool, strict_ok: dict[str, bool]
) -> tuple[str, str]:
    """(DMARC result, policy) for the From domain: its record (authheaders reads and parses it), or
    its organisational domain's (then ``sp`` applies), and the alignment modes it asks for."""
    org = organisational_domain(from_domain)
    try:
        record = lookup_receiver_record(from_domain, dmarc_dnsfunc(resolver))
        subdomain = not record and org != from_domain
        if subdomain:
            record = lookup_receiver_record(org, dmarc_dnsfunc(resolver))
    except DnsTemporaryError:
        return "temperror", ""
    except DMARCException:
        return "permerror", ""
    policy = str(record.get("p", "")) if record else ""
    if not policy:
        return "none", ""
    if subdomain:
        policy = str(record.get("sp", policy))
    spf_ok = aligned_spf and (record.get("aspf", "r") != "s" or strict_ok["spf"])
    dkim_ok = aligned_dkim and (record.get("adkim", "r") != "s" or strict_ok["dkim"])
    return ("pass" if spf_ok or dkim_ok else "fail"), policy


def authenticate_mail(
    raw: bytes, from_address: str, resolver: DnsResolver, *, peer_ip: str, mail_from: str, helo: str
) -> MailAuthResult:
    """Run SPF, DKIM and DMARC for one mail and decide its verdict (see the module docstring)."""
    from_domain = _domain_of(from_address)
    spf_domain = _domain_of(mail_from) if mail_from else (helo or "").lower()
    spf_result = check_spf(resolver, peer_ip, mail_from, helo)
    dkim_result, dkim_passed, dkim_failed = check_dkim(resolver, raw)
    aligned_dkim = next((d for d in dkim_passed if _aligned(d, from_domain)), "")
    aligned_spf = spf_result == "pass" and _aligned(spf_domain, from_domain)
    exact = {"spf": aligned_spf and spf_domain == from_domain, "dkim": from_domain in dkim_passed}
    dmarc, policy = check_dmarc(resolver, from_domain, aligned_spf, bool(aligned_dkim), exact)
    verdict: Verdict = "none"
    proved_by = ""
    if dmarc == "fail" and policy in ("reject", "quarantine"):
        verdict = "fail"
    elif dmarc != "fail" and aligned_dkim:
        verdict, proved_by = "pass", f"dkim:{aligned_dkim}"
    elif dmarc != "fail" and aligned_spf:
        verdict, proved_by = "pass", f"spf:{spf_domain}"
    elif spf_result == "fail" or any(_aligned(d, from_domain) for d in dkim_failed):
        verdict = "fail"
    return MailAuthResult(
        spf=spf_result,
        spf_domain=spf_domain,
        dkim=dkim_result,
        dkim_domains=dkim_passed,
        dmarc=dmarc,
        dmarc_policy=policy,
        from_domain=from_domain,
        verdict=verdict,
        proved_by=proved_by,
    )
