"""A compact builder of normalised ``Config`` objects for routing tests (no file, no loader)."""

from __future__ import annotations


from engine.config.model import AgentConfig, Binding, Config, Peer, SessionConfig, SessionOverride
from engine.ids import normalize_account_id, normalize_agent_id, normalize_channel


def binding(index: int, agent: str, channel: str, account: str | None = None, *,
            peer: str | None = None, guild: str | None = None, team: str | None = None,
            roles: tuple[str, ...] | None = None, dm_scope: str | None = None,
            group_scope: str | None = None, invalid: str | None = None) -> Binding:
    """A normalised Binding as the loader would produce it (``peer="group:abc"``)."""
    p = None
    if peer is not None:
        kind, _, pid = peer.partition(":")
        p = Peer(kind, pid)
    acc = "*" if account == "*" else normalize_account_id(account)
    session = SessionOverride(dm_scope, group_scope) if (dm_scope or group_scope) else None
    return Binding(index=index, agent_id=normalize_agent_id(agent),
                   channel=normalize_channel(channel), account=acc, path=f"bindings[{index}]", peer=p, guild_id=guild, team_id=team,
                   roles=roles or None, session=session, invalid_reason=invalid, raw_agent_id=agent)


def make_config(agents: list[str] | tuple[str, ...], bindings: list[Binding] | tuple[Binding, ...],
                *, default: str | None = "first", session: SessionConfig | None = None,
                declared: bool = True) -> Config:
    """A Config built straight from model objects; ``default="first"`` marks agents[0]."""
    agent_objs = tuple(
        AgentConfig(id=normalize_agent_id(a), raw_id=a, path=f"agents.list[{i}]",
                    default=(default == "first" and i == 0) or default == a)
        for i, a in enumerate(agents))
    if default == "first":
        default_id = agent_objs[0].id if agent_objs else None
    else:
        default_id = normalize_agent_id(default) if default else None
    marked = next((a.path for a in agent_objs if a.default), None)
    return Config(agents=agent_objs, bindings=tuple(bindings), default_agent_id=default_id,
                  session=session or SessionConfig(), agents_declared=declared,
                  default_agent_key=f"{marked}.default" if marked else None)
