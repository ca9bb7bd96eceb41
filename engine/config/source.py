"""The config as text, the way a gateway hands it out for editing and takes it back.

Shaped like a remote OpenClaw gateway's ``config.get`` / ``config.patch``: the raw text with a
digest of it, and a save that names the digest it started from, so a file that changed in
between is refused instead of overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConfigSource:
    """The text of the config in force: its file's (``path``), or the built-in example's
    (``is_example``, no path) when the gateway runs without a file."""

    raw: str = field(repr=False)  # may hold API keys: never in a repr
    base_hash: str  # ``text_hash(raw)``: hand it back to ``save_config``
    path: str | None
    is_example: bool = False


@dataclass(frozen=True)
class ConfigSaved:
    """What a save wrote, and whether the gateway runs with it now (``applied``; when not, a
    ``ConfigRejected`` event says why and the previous config stays in force)."""

    path: str
    base_hash: str  # of the text now in the file: the next save's base
    applied: bool


def text_hash(text: str) -> str:
    """The digest a save compares: of the text as UTF-8, i.e. of the file's bytes, BOM and all."""
    return data_hash(text.encode("utf-8", "surrogatepass"))


def data_hash(data: bytes) -> str:
    """SHA-256 of a config file's bytes, in hex."""
    import hashlib  # here, not at the top: OpenSSL's start is not on the way to the first frame

    return hashlib.sha256(data).hexdigest()
