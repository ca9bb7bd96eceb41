"""Where the state directory and the config file are.

Order: ``--config PATH``, else ``$CLAWDBOT_CONFIG_PATH``, else
``<state>/clawdbot.json``, else ``~/.openclaw/openclaw.json``, else the built-in example.
State: ``--state-dir``, else ``$CLAWDBOT_STATE_DIR``, else ``~/.clawdbot`` (``~/.clawdbot-<profile>``
with ``$CLAWDBOT_PROFILE``). A path the user named explicitly (flag or variable) is used even if
it does not exist, so a typo is an error instead of a silent fall-back to the example.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from engine.config.example import load_example
from engine.config.loader import load_config
from engine.config.model import Config
from engine.errors import ConfigError, Problem
from engine.ids import normalize_account_id

CONFIG_ENV = "CLAWDBOT_CONFIG_PATH"
STATE_ENV = "CLAWDBOT_STATE_DIR"
PROFILE_ENV = "CLAWDBOT_PROFILE"
CONFIG_NAME = "clawdbot.json"


def _expand(path: str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path)))


def resolve_state_dir(arg: str | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """The state directory (absolute; not created here)."""
    if arg:
        return _expand(arg)
    value = env.get(STATE_ENV, "").strip()
    if value:
        return _expand(value)
    profile = env.get(PROFILE_ENV, "").strip()
    # The profile becomes part of a folder name: normalise it like an id so it cannot escape ~.
    name = f".clawdbot-{normalize_account_id(profile)}" if profile else ".clawdbot"
    return Path.home() / name


def default_config_path(state_dir: Path) -> Path:
    """Where a real config belongs (and where the example is saved to)."""
    return Path(state_dir) / CONFIG_NAME


def openclaw_config_path() -> Path:
    return Path.home() / ".openclaw" / "openclaw.json"


def discover_config_path(arg: str | None, state_dir: Path,
                         env: Mapping[str, str] = os.environ) -> Path | None:
    """The config file to use, or None when there is none (the example is used then).

    A default location holding something other than a regular file (a FIFO, a device, a
    folder) is still chosen, so loading it says what is wrong there instead of silently
    running the example."""
    if arg:
        return _expand(arg)
    value = env.get(CONFIG_ENV, "").strip()
    if value:
        return _expand(value)
    for candidate in (default_config_path(state_dir), openclaw_config_path()):
        if candidate.exists():
            return candidate
    return None


def load_effective_config(config_arg: str | None, state_dir: Path,
                          env: Mapping[str, str] = os.environ) -> Config:
    """Load the discovered config; the built-in example (``is_example=True``) when none exists.

    A config the user named (``--config`` or ``$CLAWDBOT_CONFIG_PATH``) that is missing is a
    ConfigError naming where the path came from."""
    path = discover_config_path(config_arg, state_dir, env)
    if path is None:
        return load_example()
    if not path.exists():
        source = "--config" if config_arg else f"${CONFIG_ENV}"
        raise ConfigError([Problem(f"config file not found (named by {source})", file=str(path),
                                   code="unreadable")])
    return load_config(path)


def example_notice(state_dir: Path) -> str:
    """The one line shown while the built-in example runs."""
    return (f"running the built-in example; put your config at {default_config_path(state_dir)} "
            f"(or pass --config / set ${CONFIG_ENV})")
