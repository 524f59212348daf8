"""Errors of prompt synthesis.

VoxdeskError
└── PromptError   no engine could synthesise a prompt (Piper and espeak-ng both failed)
"""

from __future__ import annotations

from config.errors import VoxdeskError


class PromptError(VoxdeskError):
    """A prompt could not be synthesised or stored."""
