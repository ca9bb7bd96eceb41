"""Where an export is written: a new private file with a bounded, unique name.

An export never replaces a file: its name has the session and the second it was made, and a
second export in the same second gets ``-2``, ``-3``... The name stays far below the 255-byte
limit of a file name whatever the session key (a peer id can be any length).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

from engine.errors import ClawError
from engine.private_files import make_private_dir, write_new_file

KEY_CHARS = 100  # of the session key in a file name; a longer key is cut and told apart by a hash
MAX_COPIES = 1000  # exports of one session in one second


class ExportError(ClawError):
    """An export could not be written; names the file or folder and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot export to {path}: {reason}")


def export_file_name(agent_id: str, session_key: str, ext: str, when: datetime,
                     copy: int = 1) -> str:
    """``<agent>-<session key>-<YYYYmmdd-HHMMSS>[-<copy>].<ext>``, ASCII only and at most
    about 200 bytes whatever the key: other characters become ``_``, and a key longer than
    KEY_CHARS is cut and ends in a hash of the whole key, so two long keys that differ only
    at the end still get different names."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", session_key)
    if len(key) > KEY_CHARS:
        digest = hashlib.sha256(session_key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        key = f"{key[:KEY_CHARS - 11]}-{digest}"
    suffix = f"-{copy}" if copy > 1 else ""
    return f"{agent_id}-{key}-{when:%Y%m%d-%H%M%S}{suffix}.{ext}"


def write_export(folder: Path, agent_id: str, session_key: str, ext: str, text: str, *,
                 when: datetime | None = None) -> Path:
    """Write ``text`` to a new 0600 file in ``folder`` (made 0700) and return its path; raises
    ExportError, never a bare OSError."""
    when = when or datetime.now()
    try:
        make_private_dir(folder, tighten=True)
    except OSError as exc:
        raise ExportError(folder, exc.strerror or str(exc)) from exc
    data = text.encode("utf-8")
    for copy in range(1, MAX_COPIES + 1):
        path = folder / export_file_name(agent_id, session_key, ext, when, copy)
        try:
            write_new_file(path, data)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExportError(path, exc.strerror or str(exc)) from exc
        return path
    raise ExportError(folder, f"{MAX_COPIES} exports of this session were made this second already")
