"""One person written several ways normalises to one identity; nonsense is refused."""

from __future__ import annotations

import pytest

from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_identity, normalise_phone


@pytest.mark.parametrize("written", ["+1 415-555-2671", "(415) 555 2671", "415/555/2671", "1-415-555-2671"])
def test_us_number_written_with_spaces_dashes_slashes_is_one_e164(written: str) -> None:
    assert normalise_phone(written, "US") == "+14155552671"


@pytest.mark.parametrize("written", ["0044 20 7946 0958", "+44 20 7946 0958", "020 7946 0958"])
def test_london_number_with_00_plus_or_national_prefix_matches_in_region_gb(written: str) -> None:
    assert normalise_phone(written, "GB") == "+442079460958"


def test_00_international_prefix_still_works_where_the_region_dials_011() -> None:
    assert normalise_phone("0044 20 7946 0958", "US") == "+442079460958"


@pytest.mark.parametrize("bad", ["hello", "12", "+1 000", "anonymous"])
def test_text_that_is_not_a_phone_number_is_refused(bad: str) -> None:
    with pytest.raises(InvalidIdentityError):
        normalise_phone(bad, "US")


def test_email_is_lower_cased_and_taken_from_a_header_form() -> None:
    assert normalise_identity("email", "Ana Lee <Ana.Lee@Example.COM>", "US") == "ana.lee@example.com"


def test_messaging_id_keeps_the_case_of_the_openid_and_lowers_the_network() -> None:
    assert normalise_identity("messaging", "WeChat:oAbC123xyz", "US") == "wechat:oAbC123xyz"


def test_device_serial_ignores_spaces_and_case() -> None:
    assert normalise_identity("device_serial", " sn 12-ab ", "US") == "SN12-AB"


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("email", "not-an-address"), ("webchat", "x"), ("messaging", "noseparator"), ("fax", "1")],
)
def test_malformed_identifiers_and_unknown_kinds_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(InvalidIdentityError):
        normalise_identity(kind, raw, "US")
