"""Card data (PCI): card numbers, security codes and expiry dates masked in transcripts, messages and
logs, and the signal that pauses a call's recording while they are spoken.

- :func:`redact_text` / :func:`contains_card_data`: messages of every channel, log lines.
- :func:`redact_frame` (stateless) and :class:`LegRedactor` (one per leg; remembers a cue across
  segments): transcript frames, text and words in one pass. The rules are in :mod:`qa.pci.detect`.
- :class:`CardDataWatch`: when card data starts and stops on a caller's leg (recording pause).
"""

from qa.pci.redactor import LegRedactor, contains_card_data, redact_frame, redact_text
from qa.pci.watch import CardDataWatch

__all__ = ["CardDataWatch", "LegRedactor", "contains_card_data", "redact_frame", "redact_text"]
