"""The password policy: long enough, not a common password, not the username.

The common list is shipped in ``config/data/common-passwords.txt`` (built offline by
``scripts/build_common_passwords.py``) and loaded once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from config.errors import WeakPasswordError

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password_policy(password: str, username: str = "") -> None:
    """Refuse a password an attacker would guess first.

    Raises:
        WeakPasswordError: the reason, never the password itself.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    folded = password.lower()
    if folded in common_passwords():
        raise WeakPasswordError("this password is on the list of common passwords; choose another")
    if len(set(folded)) < 4:
        raise WeakPasswordError("a password needs at least 4 different characters")
    if username and username.lower() in folded:
        raise WeakPasswordError("a password must not contain the username")
