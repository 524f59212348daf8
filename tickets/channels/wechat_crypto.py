"""WeChat's "safe mode": the push body is AES-256-CBC encrypted and its signature covers the body.

The scheme is WeChat's own (the Official Account message encryption guide):

- ``EncodingAESKey`` is 43 base64 characters; with one ``=`` it decodes to the 32-byte AES key, and
  the IV is the key's first 16 bytes.
- The plaintext is 16 random bytes, the XML's length as 4 bytes in network order, the XML, then the
  AppID; it is padded PKCS#7-style to a multiple of 32 bytes (not AES's 16).
- ``msg_signature = sha1(sorted([token, timestamp, nonce, Encrypt]))`` so, unlike the plain
  ``signature``, it changes when the body changes.

A push that fails any step (signature, base64, padding, length, AppID) is refused as forged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import string
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from tickets.channels.exceptions import PayloadError, SignatureError

BLOCK = 32  # WeChat pads to 32 bytes
_ALNUM = set(string.ascii_letters + string.digits)


def generate_encoding_aes_key() -> str:
    """A new EncodingAESKey in WeChat's form: 43 letters and digits that decode to 32 bytes."""
    while True:  # WeChat's console takes letters and digits only; about 1 in 4 draws has no '+' or '/'
        key = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        if set(key) <= _ALNUM:
            return key


def aes_key_of(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key an EncodingAESKey stands for (:class:`SignatureError` if it is not one)."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("the WeChat EncodingAESKey is not valid base64") from exc
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise SignatureError("the WeChat EncodingAESKey must be 43 characters (32 bytes)")
    return key


def msg_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeChat's body-covering signature over the sorted four strings."""
    joined = "".join(sorted([token, timestamp, nonce, encrypted]))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - WeChat defines sha1


def encrypted_part(raw: bytes) -> str:
    """The ``<Encrypt>`` text of a safe-mode push (:class:`PayloadError` when there is none)."""
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (SyntaxError, DefusedXmlException, ValueError) as exc:  # ParseError is a SyntaxError
        raise PayloadError(f"malformed XML: {exc}") from exc
    node = root.find("Encrypt") if root.tag == "xml" else None
    text = (node.text or "").strip() if node is not None else ""
    if not text:
        raise PayloadError("safe mode: the push has no <Encrypt> element")
    return text


class WeChatCrypto:
    """Verifies and decrypts safe-mode pushes for one Official Account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self._token = token
        self._key = aes_key_of(encoding_aes_key)
        self._app_id = app_id.encode()

    def open_push(self, raw: bytes, signature: str | None, timestamp: str, nonce: str) -> bytes:
        """The push's decrypted XML, once its ``msg_signature`` matches the encrypted body."""
        encrypted = encrypted_part(raw)
        expected = msg_signature(self._token, timestamp, nonce, encrypted)
        if not signature or not hmac.compare_digest(expected, signature.strip().lower()):
            raise SignatureError("msg_signature does not match the encrypted body")
        return self.decrypt(encrypted)

    def decrypt(self, encrypted: str) -> bytes:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("the encrypted body is not base64") from exc
        if not data or len(data) % 16:
            raise SignatureError("the encrypted body is not whole AES blocks")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise SignatureError("the encrypted body does not decrypt (wrong EncodingAESKey?)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise SignatureError("the decrypted body is too short")
        (length,) = struct.unpack(">I", plain[16:20])
        xml, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(xml) != length or not hmac.compare_digest(app_id, self._app_id):
            raise SignatureError("the decrypted body is not for this Official Account (AppID)")
        return xml
