"""Which gateway to reach and with what secret, read the way OpenClaw's own clients read them.

URL: ``--gateway``, else ``$OPENCLAW_GATEWAY_URL``, else the OpenClaw config's
``gateway.remote.url``, else the local gateway (``ws://127.0.0.1:<gateway.port or 18789>``).

Secret: ``--token-file`` / ``--password-file`` always win. A URL given on the command line or
in ``$OPENCLAW_GATEWAY_URL`` is only sent the environment's ``$OPENCLAW_GATEWAY_TOKEN`` /
``$OPENCLAW_GATEWAY_PASSWORD`` (a config's secret never goes to a URL it does not name); the
config's remote URL gets ``gateway.remote.token`` → ``$OPENCLAW_GATEWAY_TOKEN`` →
``gateway.auth.token`` (passwords: ``$OPENCLAW_GATEWAY_PASSWORD`` →
``gateway.remote.password``); the local gateway gets ``gateway.auth.token`` →
``$OPENCLAW_GATEWAY_TOKEN`` → ``gateway.remote.token``. Secrets are never printed: only where
one came from is (``source``).

TLS pin (``wss://``, see ``engine.remote.tls``): ``--tls-fingerprint``, else
``gateway.remote.tlsFingerprint`` when the URL is the config's ``gateway.remote.url``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from engine.errors import ClawError, ConfigError, Problem
from engine.inputs import CONFIG_MAX_BYTES, InputError, read_file_bytes, read_text_file
from engine.remote.tls import TlsPin, parse_fingerprint

DEFAULT_PORT = 18789
_SECRET_FILE_MAX = 64 * 1024


@dataclass(frozen=True)
class Target:
    url: str
    token: str = ""
    password: str = ""
    url_source: str = ""
    secret_source: str = ""
    tls_pin: TlsPin | None = None

    def __repr__(self) -> str:
        return (f"Target(url={self.url!r}, url_source={self.url_source!r}, "
                f"secret_source={self.secret_source!r}, tls_pin={self.tls_pin!r})")


def openclaw_config_file(env: Mapping[str, str] = os.environ) -> Path:
    """Where OpenClaw reads its config: ``$OPENCLAW_CONFIG_PATH``, else
    ``$OPENCLAW_STATE_DIR/openclaw.json``, else ``~/.openclaw/openclaw.json``."""
    if env.get("OPENCLAW_CONFIG_PATH", "").strip():
        return Path(env["OPENCLAW_CONFIG_PATH"].strip()).expanduser()
    if env.get("OPENCLAW_STATE_DIR", "").strip():
        return Path(env["OPENCLAW_STATE_DIR"].strip()).expanduser() / "openclaw.json"
    return Path.home() / ".openclaw" / "openclaw.json"


class _OpenClawConfig:
    """The ``gateway`` object of an OpenClaw config, read with the bounds and located errors of
    claw-tui's own config (file, line:column, JSON path); its values are secrets, so an error
    says where, never what text is there."""

    def __init__(self, path: Path, explicit: bool) -> None:
        from engine.config.loader import check_json_text, decode_config_bytes

        self.file = str(path)
        self.text = ""
        self.gateway: dict[str, Any] = {}
        try:
            data = read_file_bytes(path, limit=CONFIG_MAX_BYTES, what="config file")
        except InputError as exc:
            if exc.code == "missing" and not explicit:
                return  # no config file, and none was asked for by name
            raise
        self.text = decode_config_bytes(data, file=self.file)
        parsed, _warnings = check_json_text(self.text, lambda _checker, value: value,
                                            file=self.file, secret=True)
        section = parsed.get("gateway") if isinstance(parsed, dict) else None
        self.gateway = section if isinstance(section, dict) else {}

    def part(self, name: str) -> dict[str, Any]:
        value = self.gateway.get(name)
        return value if isinstance(value, dict) else {}

    def plain(self, part: str, key: str) -> str:
        """``gateway.<part>.<key>`` as a plain string ("" when unset); anything else (a secret
        reference object) is a located error, read only when that value would be used."""
        value = self.part(part).get(key)
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return value
        from engine.config import json5doc

        path = ("gateway", part, key)
        line: int | None
        column: int | None
        try:
            line, column = json5doc.parse(self.text).position(path)
        except json5doc.JSON5SyntaxError:
            line = column = None
        raise ConfigError([Problem(
            "not a plain string (a secret reference?); claw-tui reads only plain values: "
            "use $OPENCLAW_GATEWAY_TOKEN or --token-file instead", path=json5doc.format_path(path),
            file=self.file, line=line, column=column, code="type")])


def _secret_file(path: str, what: str) -> str:
    value = read_text_file(path, limit=_SECRET_FILE_MAX, what=what).strip()
    if not value:
        raise InputError(path, f"the {what} is empty")
    return value


def resolve_target(*, gateway: str | None = None, token_file: str | None = None,
                   password_file: str | None = None, config: str | None = None,
                   tls_fingerprint: str | None = None,
                   env: Mapping[str, str] = os.environ) -> Target:
    """The gateway URL and secret (see the module docstring for the order)."""
    config_path = Path(config).expanduser() if config else openclaw_config_file(env)
    oc = _OpenClawConfig(config_path, explicit=bool(config))
    section = oc.gateway
    cfg = str(config_path)

    env_url = env.get("OPENCLAW_GATEWAY_URL", "").strip()
    remote_url = oc.plain("remote", "url").strip()
    if gateway:
        url, url_source = gateway.strip(), "--gateway"
    elif env_url:
        url, url_source = env_url, "$OPENCLAW_GATEWAY_URL"
    elif remote_url:
        url, url_source = remote_url, f"{cfg}: gateway.remote.url"
    else:
        port = section.get("port")
        port = port if isinstance(port, int) and 0 < port < 65536 else DEFAULT_PORT
        url, url_source = f"ws://127.0.0.1:{port}", "local gateway"
    if not url.startswith(("ws://", "wss://")):
        raise ClawError(f"the gateway URL from {url_source} must start with ws:// or wss://")

    env_token = env.get("OPENCLAW_GATEWAY_TOKEN", "").strip()
    env_password = env.get("OPENCLAW_GATEWAY_PASSWORD", "").strip()
    token_order: list[tuple[str, str]]
    password_order: list[tuple[str, str]]
    if url_source in ("--gateway", "$OPENCLAW_GATEWAY_URL"):
        token_order = [(env_token, "$OPENCLAW_GATEWAY_TOKEN")]
        password_order = [(env_password, "$OPENCLAW_GATEWAY_PASSWORD")]
    elif url_source == "local gateway":
        token_order = [(oc.plain("auth", "token"),
                        f"{cfg}: gateway.auth.token"),
                       (env_token, "$OPENCLAW_GATEWAY_TOKEN"),
                       (oc.plain("remote", "token"),
                        f"{cfg}: gateway.remote.token")]
        password_order = [(oc.plain("auth", "password"),
                           f"{cfg}: gateway.auth.password"),
                          (env_password, "$OPENCLAW_GATEWAY_PASSWORD"),
                          (oc.plain("remote", "password"),
                           f"{cfg}: gateway.remote.password")]
    else:
        token_order = [(oc.plain("remote", "token"),
                        f"{cfg}: gateway.remote.token"),
                       (env_token, "$OPENCLAW_GATEWAY_TOKEN"),
                       (oc.plain("auth", "token"),
                        f"{cfg}: gateway.auth.token")]
        password_order = [(env_password, "$OPENCLAW_GATEWAY_PASSWORD"),
                          (oc.plain("remote", "password"),
                           f"{cfg}: gateway.remote.password")]

    token = password = ""
    sources: list[str] = []
    if token_file:
        token = _secret_file(token_file, "token file")
        sources.append("--token-file")
    if password_file:
        password = _secret_file(password_file, "password file")
        sources.append("--password-file")
    if not sources:
        token, token_from = next(((v, s) for v, s in token_order if v), ("", ""))
        password, password_from = next(((v, s) for v, s in password_order if v), ("", ""))
        sources = [s for s in (token_from, password_from) if s]
    return Target(url=url, token=token, password=password, url_source=url_source,
                  secret_source=", ".join(sources) or "none (stored device token, if any)",
                  tls_pin=_tls_pin(url, url_source, tls_fingerprint, oc, cfg))


def _tls_pin(url: str, url_source: str, flag: str | None, oc: _OpenClawConfig,
             cfg: str) -> TlsPin | None:
    """``--tls-fingerprint``, else the config's ``gateway.remote.tlsFingerprint`` for the
    config's own remote URL only (a pin belongs to the gateway it was taken from)."""
    if flag:
        pin = parse_fingerprint(flag, "--tls-fingerprint")
    elif url_source.endswith("gateway.remote.url"):
        configured = oc.plain("remote", "tlsFingerprint").strip()
        if not configured:
            return None
        pin = parse_fingerprint(configured, f"{cfg}: gateway.remote.tlsFingerprint")
    else:
        return None
    if not url.startswith("wss://"):
        raise ClawError(f"a TLS fingerprint ({pin.source}) needs a wss:// gateway URL; "
                        f"the URL from {url_source} is ws://")
    return pin
