"""``claw-tui gateway status``: what a running OpenClaw gateway reports, over protocol v4.

Exit codes: 0 connected (and the report printed); 2 not connected, with one line saying why
(unreachable, wrong credentials, another protocol, a missing scope, a device waiting for
approval). Needs the ``claw-tui[gateway]`` extra (``websockets``, ``cryptography``), imported
only when this command runs.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from engine.cli import add_common_options
from engine.errors import ClawError
from engine.text import clean, json_safe_dumps, one_line


TLS_FINGERPRINT_HELP = (
    "with a wss:// URL: trust the gateway's TLS certificate with this SHA-256 fingerprint "
    "(a self-signed gateway; default: the config's gateway.remote.tlsFingerprint for its "
    "gateway.remote.url). Without it the system's CAs are used ($SSL_CERT_FILE names another "
    "CA bundle)")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "gateway", help="talk to a running OpenClaw gateway",
        description="Commands for a running OpenClaw gateway (WebSocket protocol v4).")
    add_common_options(p)
    sub = p.add_subparsers(dest="gateway_command", metavar="COMMAND", required=True)
    status = sub.add_parser(
        "status", help="server version, protocol, agents, channel accounts, sessions",
        description="Connect to the gateway and report its version, protocol, agents, channel "
        "accounts and their state, and how many sessions it has. Exit 0 when connected, 2 "
        "with the reason when not. The secret comes from --token-file/--password-file, "
        "$OPENCLAW_GATEWAY_TOKEN/$OPENCLAW_GATEWAY_PASSWORD, or the OpenClaw config "
        "(gateway.remote.url/gateway.remote.token) and is never printed.")
    add_common_options(status)
    add_target_options(status)
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.set_defaults(func=run_status)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gateway", metavar="URL", default=None,
                        help="ws:// or wss:// URL (default: $OPENCLAW_GATEWAY_URL, the config's "
                        "gateway.remote.url, else the local gateway)")
    parser.add_argument("--token-file", metavar="PATH", default=None,
                        help="read the gateway token from this file")
    parser.add_argument("--password-file", metavar="PATH", default=None,
                        help="read the gateway password from this file")
    parser.add_argument("--tls-fingerprint", metavar="SHA256", default=None,
                        help=TLS_FINGERPRINT_HELP)


def _require_extra() -> None:
    try:
        import cryptography  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as exc:
        raise ClawError(f"talking to a gateway needs the gateway extra ({exc.name} is missing): "
                        "pip install 'claw-tui[gateway]'") from None


def run_status(args: argparse.Namespace) -> int:
    _require_extra()
    from engine.config.discovery import resolve_state_dir
    from engine.remote.credentials import resolve_target

    explicit_config = getattr(args, "config", None)
    target = resolve_target(gateway=args.gateway, token_file=args.token_file,
                            password_file=args.password_file, config=explicit_config,
                            tls_fingerprint=args.tls_fingerprint)
    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    report = asyncio.run(gather_status(target, state_dir))
    if args.json:
        print(json_safe_dumps(report, indent=2))
    else:
        for line in format_status(report):
            print(clean(line))
    return 0


async def gather_status(target: Any, state_dir: Any) -> dict[str, Any]:
    """Connect and collect the report (raises the typed GatewayError when it cannot)."""
    from engine.remote.client import GatewayClient
    from engine.remote.connection import Auth

    auth = Auth(token=target.token, password=target.password)
    async with GatewayClient(target.url, auth=auth, state_dir=state_dir,
                             connect_budget=45.0, tls_pin=target.tls_pin) as client:
        hello = client.hello
        assert hello is not None
        fingerprint = client.tls_fingerprint
        agents, channels, sessions = await asyncio.gather(
            client.agents(), client.channels_status(), client.sessions_list(limit=1))
    default = agents.get("defaultId")
    agent_rows = [{"id": str(a.get("id") or ""), "name": str(a.get("name") or ""),
                   "default": a.get("id") == default}
                  for a in agents.get("agents") or [] if isinstance(a, dict)]
    channel_rows: list[dict[str, Any]] = []
    accounts = channels.get("channelAccounts")
    for channel, rows in (accounts.items() if isinstance(accounts, dict) else ()):
        for acc in rows if isinstance(rows, list) else ():
            if not isinstance(acc, dict):
                continue
            channel_rows.append({
                "channel": str(channel), "account": str(acc.get("accountId") or ""),
                "state": str(acc.get("lifecycle") or ("running" if acc.get("running")
                                                      else "stopped")),
                "enabled": bool(acc.get("enabled")), "configured": bool(acc.get("configured")),
                "running": bool(acc.get("running")), "connected": bool(acc.get("connected")),
                "lastError": acc.get("lastError") if isinstance(acc.get("lastError"), str)
                else None})
    count = sessions.get("totalCount", sessions.get("count"))
    tls = {"fingerprint": fingerprint,
           "trust": "pinned" if target.tls_pin is not None else "system CAs"} \
        if fingerprint else None
    return {"url": target.url, "connected": True, "tls": tls,
            "server": {"version": hello.server_version},
            "protocol": hello.protocol, "scopes": list(hello.scopes), "agents": agent_rows,
            "channels": channel_rows, "sessions": count if isinstance(count, int) else None}


def format_status(report: dict[str, Any]) -> list[str]:
    from engine.remote.tls import shown

    agents = report["agents"]
    lines = [f"gateway   {one_line(report['url'], 120)}  connected",
             f"server    OpenClaw {one_line(report['server']['version'], 60)}  "
             f"protocol {report['protocol']}",
             f"agents    {len(agents)}"]
    tls = report.get("tls")
    if tls:
        lines.insert(1, f"tls       {tls['trust']}, certificate SHA-256 "
                        f"{shown(tls['fingerprint'])}")
    for a in agents:
        name = f" ({one_line(a['name'], 40)})" if a["name"] and a["name"] != a["id"] else ""
        lines.append(f"  {one_line(a['id'], 60)}{name}{'  default' if a['default'] else ''}")
    lines.append(f"channels  {len(report['channels'])} account"
                 f"{'' if len(report['channels']) == 1 else 's'}")
    for c in report["channels"]:
        flags = ", ".join(f for f, on in (("enabled", c["enabled"]), ("running", c["running"]),
                                          ("connected", c["connected"])) if on) or "off"
        error = f"  error: {one_line(c['lastError'], 80)}" if c["lastError"] else ""
        lines.append(f"  {one_line(c['channel'], 30)}/{one_line(c['account'], 40)}  "
                     f"{one_line(c['state'], 20)} ({flags}){error}")
    sessions = report["sessions"]
    lines.append(f"sessions  {sessions if sessions is not None else 'unknown'}")
    return lines
