"""The app's own small JSON files under ``<state>/tui/`` (preferences, recent peers), read and
written one way.

They are conveniences, never conversation data, so nothing in them may stop the app: reading
is bounded (``engine.inputs``), a damaged or oversized file is set aside as ``.bad`` (a FIFO or
device in its place is left where it is) and the caller starts on defaults with a problem line;
writing is atomic, 0600 in a 0700 folder, and a failure is a line to show, never an exception.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.inputs import STATE_JSON_MAX_BYTES, InputError, parse_json, read_text_file
from engine.private_files import make_private_dir, replace_file


def load_state_json(path: Path, what: str,
                    fallback: str) -> tuple[dict[str, Any] | None, str | None]:
    """The file's top-level object (None when it is missing or unusable) and, when unusable,
    the problem line (located, ending in ``fallback``: what the app does instead)."""
    try:
        raw = parse_json(read_text_file(path, limit=STATE_JSON_MAX_BYTES, what=what))
    except InputError as exc:
        if exc.code == "missing":
            return None, None
        if exc.code != "not-regular":
            _set_aside(path)
        return None, f"{exc}; {fallback}"
    except ValueError as exc:  # not JSON, or nested too deeply
        _set_aside(path)
        return None, f"{path}: {exc}; {fallback}"
    if not isinstance(raw, dict):
        return None, f"{path}: expected an object, got {type(raw).__name__}; {fallback}"
    return raw, None


def save_state_json(path: Path, data: object, what: str) -> str | None:
    """Write ``data`` atomically (temp file + rename); an error line, or None when saved."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    try:
        make_private_dir(path.parent, tighten=True)
        # A lone surrogate (undecodable input) becomes its JSON escape: the file stays UTF-8.
        replace_file(path, text.encode("utf-8", "backslashreplace"))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return f"could not save {what} to {path}: {reason}"
    return None


def _set_aside(path: Path) -> None:
    """Keep a damaged file as ``.bad`` (never overwritten by the next save)."""
    try:
        path.replace(path.with_suffix(path.suffix + ".bad"))
    except OSError:
        pass
