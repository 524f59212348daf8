"""Normalising identifiers so one person written several ways is one identity.

Pure functions: the region for national phone numbers is passed in (it is a setting).
"""

from __future__ import annotations

import re
from email.utils import parseaddr

import phonenumbers

from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.models import IdentityKind

_EMAIL = re.compile(
    r"^[^@\s<>\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{6,128}$")
_NETWORK = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{1,63}$")


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 form of ``raw``; national numbers are read in ``default_region``.

    ``00`` is the international prefix in most of the world, so "0044 20..." also works where the
    default region dials out differently (the US uses 011).
    """
    text = raw.strip()
    candidates = [(text, default_region)]
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("00"):
        candidates.append(("+" + digits[2:], default_region))
    for candidate, region in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidIdentityError(f"{raw!r} is not a valid phone number (region {default_region})")


def normalise_email(raw: str) -> str:
    """Lower-case bare address; accepts "Name <addr>" as written in mail headers."""
    _name, address = parseaddr(raw.strip())
    address = address.strip().lower()
    if not _EMAIL.match(address):
        raise InvalidIdentityError(f"{raw!r} is not an e-mail address")
    return address


def normalise_messaging(raw: str) -> str:
    """``network:id`` with the network lower-cased (ids such as WeChat openids are case-sensitive)."""
    network, sep, ident = raw.strip().partition(":")
    network = network.lower()
    if not sep or not _NETWORK.match(network) or not _TOKEN.match(ident):
        raise InvalidIdentityError(f"{raw!r} is not a messaging id like 'wechat:<openid>'")
    return f"{network}:{ident}"


def normalise_identity(kind: IdentityKind | str, raw: str, default_region: str) -> str:
    """The stored form of an identifier of ``kind``."""
    try:
        kind = IdentityKind(kind)
    except ValueError:
        raise InvalidIdentityError(f"unknown identity kind {kind!r}") from None
    if len(raw) > 255:
        raise InvalidIdentityError(f"{kind.value} identifier is longer than 255 characters")
    if kind is IdentityKind.PHONE:
        return normalise_phone(raw, default_region)
    if kind is IdentityKind.EMAIL:
        return normalise_email(raw)
    if kind is IdentityKind.MESSAGING:
        return normalise_messaging(raw)
    if kind is IdentityKind.DEVICE_SERIAL:
        serial = re.sub(r"\s+", "", raw).upper()
        if not _SERIAL.match(serial):
            raise InvalidIdentityError(f"{raw!r} is not a serial number")
        return serial
    value = raw.strip()
    if not _TOKEN.match(value):
        raise InvalidIdentityError(f"{raw!r} is not a valid {kind.value} id (6-128 of A-Z a-z 0-9 _ -)")
    return value
