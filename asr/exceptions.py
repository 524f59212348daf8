"""Errors of the speech path.

VoxdeskError
└── AsrError                    anything in asr/
    ├── ModelNotFoundError      the configured model is not installed (not recoverable)
    │   └── ModelLanguageError  the only model at hand speaks another language than the calls
    ├── RecognizerError         an engine failed on audio (recoverable: a new stream may work)
    ├── MediaError              the media worker cannot bind, allocate or reach a port
    └── ModelDownloadError      ``voxdesk models pull`` failed (recoverable: resume later)
        └── ChecksumMismatchError   the file arrived but its SHA-256 is wrong (not recoverable)
"""

from __future__ import annotations

from config.errors import VoxdeskError


class AsrError(VoxdeskError):
    """Base of every error raised by asr/."""


class ModelNotFoundError(AsrError):
    """A speech model is missing; install it (``voxdesk models pull``) or fix the settings."""


class ModelLanguageError(ModelNotFoundError):
    """The speech model's language is not the calls' language: it would turn speech into wrong words."""


class RecognizerError(AsrError):
    """An engine failed while recognising; the stream may be recreated."""

    recoverable = True


class MediaError(AsrError):
    """A media worker problem: no free port, unknown leg, worker unreachable."""

    recoverable = True


class ModelDownloadError(AsrError):
    """A model download failed part-way; running the same pull again resumes it."""

    recoverable = True


class ChecksumMismatchError(ModelDownloadError):
    """The downloaded archive does not match the catalogue's SHA-256."""

    recoverable = False
