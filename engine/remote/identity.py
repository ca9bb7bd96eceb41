"""This client's device identity: one Ed25519 key per state directory, and the device tokens
gateways issued to it.

A gateway pairs a device by its key (``device.id`` is the SHA-256 of the raw public key) and
then issues a ``deviceToken`` in ``hello-ok``; keeping the key and reusing the token on the next
connect is what makes a reconnect the same paired device instead of a new pairing request.
Both live under ``<state>/gateway/``, 0700/0600, written whole (they are credentials).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.inputs import (
    STATE_JSON_MAX_BYTES,
    InputError,
    parse_json,
    read_file_bytes,
    read_text_file,
)
from engine.private_files import make_private_dir, replace_file, write_new_file
from engine.text import one_line

log = logging.getLogger("claw_tui.remote")

KEY_FILE = "device-key.pem"
TOKENS_FILE = "device-tokens.json"
_KEY_MAX_BYTES = 4096


def b64url(data: bytes) -> str:
    """Base64url without padding, as the gateway expects keys and signatures."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def gateway_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "gateway"


@dataclass(frozen=True)
class DeviceIdentity:
    """An Ed25519 key and what the gateway derives from it."""

    key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)

    @property
    def device_id(self) -> str:
        return hashlib.sha256(self.public_raw).hexdigest()

    @property
    def public_key(self) -> str:
        return b64url(self.public_raw)

    def sign(self, text: str) -> str:
        return b64url(self.key.sign(text.encode("utf-8")))

    @classmethod
    def generate(cls) -> DeviceIdentity:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, state_dir: Path) -> DeviceIdentity:
        """The state directory's key; made (0600, in a 0700 folder) the first time. A key file
        that cannot be read is an error, never silently replaced (that would unpair the
        device)."""
        folder = gateway_dir(state_dir)
        path = folder / KEY_FILE
        if not path.exists():
            make_private_dir(folder)
            identity = cls.generate()
            pem = identity.key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
            try:
                write_new_file(path, pem)
                return identity
            except FileExistsError:  # another process made it a moment ago: use theirs
                pass
        data = read_file_bytes(path, limit=_KEY_MAX_BYTES, what="device key")
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise InputError(str(path), f"not a device key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InputError(str(path), "the device key is not an Ed25519 key")
        return cls(key)


def signature_payload(*, device_id: str, client_id: str, client_mode: str, role: str,
                      scopes: list[str], signed_at: int, token: str, nonce: str, platform: str,
                      device_family: str = "") -> str:
    """The v3 text a device signs for ``connect`` (binds the challenge nonce and the secret
    used, so a captured signature is worth nothing on another connection)."""
    return "|".join(["v3", device_id, client_id, client_mode, role, ",".join(scopes),
                     str(signed_at), token, nonce, platform, device_family])


class DeviceTokens:
    """``deviceToken`` per gateway URL and role, from ``hello-ok``: a JSON file, 0600."""

    def __init__(self, state_dir: Path) -> None:
        self.path = gateway_dir(state_dir) / TOKENS_FILE

    def _load(self) -> dict[str, dict]:
        try:
            data = parse_json(read_text_file(self.path, limit=STATE_JSON_MAX_BYTES,
                                             what="device tokens file"))
        except InputError as exc:
            if exc.code == "missing":
                return {}
            if exc.code != "encoding":
                raise
            log.warning("%s", one_line(exc, 300))
            return {}  # a damaged token file only costs a fresh pairing on loopback
        except ValueError as exc:  # over-nested too: parse_json refuses it before json recurses
            log.warning("%s: unusable, ignored (%s)", self.path, one_line(exc, 200))
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _key(url: str, device_id: str, role: str) -> str:
        return f"{url}|{device_id}|{role}"

    def get(self, url: str, device_id: str, role: str) -> dict | None:
        entry = self._load().get(self._key(url, device_id, role))
        if isinstance(entry, dict) and isinstance(entry.get("token"), str):
            return entry
        return None

    def put(self, url: str, device_id: str, role: str, token: str, scopes: list[str]) -> None:
        data = self._load()
        key = self._key(url, device_id, role)
        old = data.get(key)
        if isinstance(old, dict) and old.get("token") == token:
            return  # same token: keep the scopes recorded when it was issued
        data[key] = {"token": token, "scopes": list(scopes)}
        make_private_dir(self.path.parent)
        replace_file(self.path, json.dumps(data, indent=2).encode())

    def forget(self, url: str, device_id: str, role: str) -> None:
        data = self._load()
        if data.pop(self._key(url, device_id, role), None) is not None:
            replace_file(self.path, json.dumps(data, indent=2).encode())
