"""Helpers shared by the store tests (a uniquely named module: every test area has a conftest)."""

from __future__ import annotations

from engine.store import SessionInfo


def make_info(key: str = "agent:home:main", *, channel: str = "whatsapp", account: str = "personal",
              peer: str | None = "+15550001", **extra: object) -> SessionInfo:
    return SessionInfo(session_key=key, channel=channel, account_id=account,
                       peer_kind="direct" if peer else None, peer_id=peer, **extra)  # type: ignore[arg-type]
