"""No card number in any log line: a filter on the handlers that masks card data before writing.

Every process ``voxdesk up`` runs calls :func:`install_log_redaction` once its logging is set up
(and Celery again after it set up its own): the filter goes on every handler there is, Python's
last-resort handler included, so a line logged by any library is masked too.
"""

from __future__ import annotations

import logging

from qa.pci.redactor import redact_text


class RedactingFilter(logging.Filter):
    """Masks card numbers, security codes and expiry dates in the message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format call: the handler reports it as it would without us
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _handlers() -> list[logging.Handler]:
    loggers = [
        logging.getLogger(),
        *(
            logger
            for logger in logging.Logger.manager.loggerDict.values()
            if isinstance(logger, logging.Logger)
        ),
    ]
    found = [handler for logger in loggers for handler in logger.handlers]
    if logging.lastResort is not None:
        found.append(logging.lastResort)
    return found


def install_log_redaction() -> int:
    """Put one :class:`RedactingFilter` on every handler that has none yet; returns how many."""
    added = 0
    for handler in _handlers():
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
            added += 1
    return added
