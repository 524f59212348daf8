"""A card number in any log line, message, argument or traceback, is masked by the handler filter."""

from __future__ import annotations

import io
import logging

from qa.pci.logs import RedactingFilter, install_log_redaction


def test_the_filter_masks_the_formatted_message_and_the_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test.pci.filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("caller said %s and cvv %s", "4111 1111 1111 1111", "739")
        try:
            raise ValueError("bad card 4111111111111111")
        except ValueError:
            log.exception("failed")
        log.info("order %d shipped", 12345)
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "[card ••••1111]" in written and "[security code]" in written
    assert "4111" not in written and "739" not in written
    assert "ValueError: bad card [card ••••1111]" in written


def test_install_puts_one_filter_on_every_handler_including_the_last_resort() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    named = logging.getLogger("uvicorn.test-pci")
    named_handler = logging.StreamHandler(io.StringIO())
    named.addHandler(named_handler)
    try:
        install_log_redaction()
        install_log_redaction()  # twice: still one filter each
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        assert any(isinstance(f, RedactingFilter) for f in named_handler.filters)
        assert logging.lastResort is not None
        assert any(isinstance(f, RedactingFilter) for f in logging.lastResort.filters)
        logging.getLogger("test.pci.root").error("card 5500 0000 0000 0004 declined")
        assert "5500" not in stream.getvalue() and "[card ••••0004]" in stream.getvalue()
    finally:
        root.removeHandler(handler)
        named.removeHandler(named_handler)


def test_a_duration_with_many_decimals_is_not_taken_for_a_card() -> None:
    # Celery logs "succeeded in 0.0040128490000824s": those 17 digits pass the Luhn check.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test.pci.duration")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("Task voxdesk.sla.rearm succeeded in %ss: 0", "0.0040128490000824")
        log.warning("card %s", "4111.1111.1111.1111")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == ["Task voxdesk.sla.rearm succeeded in 0.0040128490000824s: 0", "card [card ••••1111]"]
