"""``ConfigDocument``: the routing editor's view of a config file.

Edits change only the spans they touch (see ``textedit``), so the user's comments, formatting
and key order elsewhere stay byte-for-byte, and a legacy (Clawdbot) file stays legacy:
bindings go to ``routing.bindings`` with ``match.provider``, the default agent to
``routing.defaultAgentId``, agent-to-agent to ``routing.agentToAgent``. Every edit re-validates
with the real loader; problems are exposed, and nothing is written until a save.

Saving is ``write_config``: atomic, the previous file kept as ``.bak``, never over a file that
changed since it was read. The app saves through its engine (``EngineAPI.save_config``, which
validates, calls it and applies the result); ``save()`` / ``save_as()`` call it on a local file
directly.
"""

from __future__ import annotations

import copy
import functools
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from engine.config import json5doc
from engine.config.example import EXAMPLE_FILE, EXAMPLE_TEXT
from engine.config.json5doc import JsonPath, format_path
from engine.config.loader import decode_config_bytes, detect_shape, load_config_text, read_config_bytes
from engine.config.model import Binding, Config
from engine.config.source import ConfigSource, data_hash, text_hash
from engine.config.textedit import EditError, TextEditor
from engine.errors import ClawError, ConfigError, Problem
from engine.inputs import CONFIG_MAX_BYTES, InputError, read_file_bytes
from engine.ids import normalize_agent_id
from engine.private_files import PRIVATE_FILE_MODE, make_private_dir, replace_file

T = TypeVar("T")


class ConfigChangedOnDisk(ClawError):
    """The file was changed by someone else since the editor read it; saving would lose that."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} changed on disk since it was loaded; reload it (discarding your "
                         "unsaved edits) or save your version under another name")


class ConfigEditError(ClawError):
    """An edit that cannot be made (unknown agent, bad index, target is not an object...)."""


class ConfigFileExists(ConfigEditError):
    """A save to a new path found something there; only an explicit overwrite replaces it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already exists; choose another path or overwrite it explicitly")


class ConfigSaveError(ClawError):
    """Writing the config failed; the file on disk is unchanged."""


@dataclass(frozen=True)
class BindingEntry:
    """One binding as the editor shows it."""

    index: int  # position in its bindings array
    path: str  # ``bindings[2]`` or ``routing.bindings[2]``
    raw: dict[str, Any]  # exactly as written (``match.provider`` in a legacy file)
    line: int
    binding: Binding | None  # the normalised binding, None when the document does not validate
    problems: tuple[Problem, ...] = ()  # errors and warnings located inside this binding

    @property
    def modern(self) -> dict[str, Any]:
        """``raw`` with the modern key names (``match.channel``), for forms."""
        return _rename_channel_key(self.raw, to_provider=False)


def _edit_op(method: Callable[..., T]) -> Callable[..., T]:
    """Editing primitives raise EditError; users get a ConfigEditError (a one-line ClawError)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except EditError as exc:
            raise ConfigEditError(str(exc)) from None

    return wrapper


def _rename_channel_key(raw: dict[str, Any], *, to_provider: bool) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    match = out.get("match")
    if not isinstance(match, dict):
        return out
    old, new = ("channel", "provider") if to_provider else ("provider", "channel")
    if old in match and new not in match:
        out["match"] = {(new if k == old else k): v for k, v in match.items()}
    return out


@dataclass
class ConfigDocument:
    """A config file's text being edited. Create with ``from_source`` (what a gateway hands
    out), ``open``, ``from_text`` or ``example``."""

    text: str = field(repr=False)  # may hold API keys: never in a repr
    file: str
    path: Path | None = None
    base_hash: str = ""  # digest of the text last read or saved: what a save expects to replace
    _saved_text: str = field(default="", repr=False)
    config: Config | None = field(default=None, init=False)
    problems: list[Problem] = field(default_factory=list, init=False)  # errors
    warnings: list[Problem] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._saved_text = self._saved_text or self.text
        self.base_hash = self.base_hash or text_hash(self._saved_text)
        self._editor: TextEditor | None = None
        self._validate()

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_source(cls, source: ConfigSource) -> "ConfigDocument":
        """The config a gateway runs, as ``EngineAPI.config_source`` gives it: the text as it is
        (line breaks, BOM and comments included), its file and the digest a save must name."""
        if source.is_example:
            return cls(text=source.raw, file=EXAMPLE_FILE, base_hash=source.base_hash)
        if source.path is None:
            return cls(text=source.raw, file="clawdbot.json", base_hash=source.base_hash)
        return cls(text=source.raw, file=source.path, path=Path(source.path),
                   base_hash=source.base_hash)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "ConfigDocument":
        target = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
        text = decode_config_bytes(read_config_bytes(target, file=str(path)), file=str(path))
        return cls(text=text, file=str(path), path=target)

    @classmethod
    def from_text(cls, text: str, file: str = "clawdbot.json") -> "ConfigDocument":
        """An in-memory document (no file yet: ``save_as`` gives it one)."""
        return cls(text=text, file=file)

    @classmethod
    def example(cls) -> "ConfigDocument":
        return cls(text=EXAMPLE_TEXT, file=EXAMPLE_FILE)

    # -- state ----------------------------------------------------------------------------------
    @property
    def is_example(self) -> bool:
        return self.path is None and self.file == EXAMPLE_FILE

    @property
    def dirty(self) -> bool:
        return self.text != self._saved_text

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def shape(self) -> str:
        if self.config is not None:
            return self.config.shape
        return detect_shape(self._data())

    def render(self) -> str:
        return self.text

    def _validate(self) -> None:
        try:
            self.config = load_config_text(self.text, file=self.file,
                                           path=str(self.path) if self.path else None,
                                           is_example=self.is_example)
            self.problems = []
            self.warnings = list(self.config.warnings)
        except ConfigError as exc:
            self.config = None
            self.problems = list(exc.problems)
            self.warnings = list(exc.warnings)

    def _edit(self) -> TextEditor:
        if self._editor is None or self._editor.text != self.text:
            try:
                self._editor = TextEditor(self.text)
            except json5doc.JSON5SyntaxError as exc:
                line, col = json5doc.line_col(self.text, exc.offset)
                raise ConfigEditError(f"{self.file}:{line}:{col}: cannot edit a file with a "
                                      f"syntax error: {exc.message}") from None
        return self._editor

    def _commit(self, editor: TextEditor) -> None:
        self.text = editor.text
        self._editor = editor
        self._validate()

    def _data(self) -> Any:
        try:
            return json5doc.to_python(self._edit().doc.root)
        except ConfigEditError:
            return None

    # -- bindings -------------------------------------------------------------------------------
    def _bindings_path(self) -> JsonPath:
        """Where bindings live: where they already are, else where this file's shape puts them."""
        doc = self._edit().doc
        for path in (("bindings",), ("routing", "bindings")):
            if doc.find(path) is not None:
                return path
        return ("routing", "bindings") if self.shape == "legacy" else ("bindings",)

    def _bindings_array(self, create: bool = False) -> tuple[TextEditor, JsonPath, json5doc.ArrayNode | None]:
        editor = self._edit()
        path = self._bindings_path()
        node = editor.doc.find(path)
        if node is None:
            if not create:
                return editor, path, None
            editor.set_path(path, [])
            node = editor.doc.find(path)
        if not isinstance(node, json5doc.ArrayNode):
            raise ConfigEditError(f"{format_path(path)} is not an array; fix it by hand first")
        return editor, path, node

    def _uses_provider(self, path: JsonPath, node: json5doc.ArrayNode | None) -> bool:
        """Whether new bindings here say ``provider`` (legacy) or ``channel``: like their
        siblings, else by where they live."""
        for item in (node.items if node is not None else []):
            if isinstance(item, json5doc.ObjectNode):
                match = item.get("match")
                if match is not None and isinstance(match.value, json5doc.ObjectNode):
                    if match.value.get("provider") is not None:
                        return True
                    if match.value.get("channel") is not None:
                        return False
        return path[0] == "routing"

    def bindings(self) -> list[BindingEntry]:
        editor, path, node = self._bindings_array()
        if node is None:
            return []
        by_path = {b.path: b for b in self.config.bindings} if self.config is not None else {}
        located = self.problems + self.warnings
        out = []
        for i, item in enumerate(node.items):
            bpath = format_path(path + (i,))
            raw = json5doc.to_python(item)
            mine = tuple(p for p in located if p.path == bpath or p.path.startswith(bpath + ".")
                         or p.path.startswith(bpath + "["))
            out.append(BindingEntry(index=i, path=bpath, raw=raw if isinstance(raw, dict) else {},
                                    line=editor.doc.line_col(item.start)[0],
                                    binding=by_path.get(bpath), problems=mine))
        return out

    def _binding_text(self, editor: TextEditor, path: JsonPath, node: json5doc.ArrayNode,
                      raw: dict[str, Any], near: int) -> str:
        if not isinstance(raw, dict):
            raise ConfigEditError("a binding must be an object like {agentId, match: {channel, ...}}")
        shaped = _rename_channel_key(raw, to_provider=self._uses_provider(path, node))
        elems = editor.elements(node)
        indent = editor.element_indent(node, elems)
        exemplar = None
        if node.items:
            exemplar = node.items[min(max(near, 0), len(node.items) - 1)]
        return editor.format_value(shaped, indent, exemplar)

    def _check_index(self, node: json5doc.ArrayNode | None, index: int) -> json5doc.ArrayNode:
        count = len(node.items) if node is not None else 0
        if node is None or not 0 <= index < count:
            raise ConfigEditError(f"there is no binding {index} (the config has {count})")
        return node

    @_edit_op
    def add_binding(self, raw: dict[str, Any], index: int | None = None) -> int:
        """Insert ``raw`` (modern key names are fine in a legacy file) at ``index`` (default:
        the end); returns its index."""
        editor, path, node = self._bindings_array(create=True)
        assert node is not None
        count = len(node.items)
        at = count if index is None else index
        if not 0 <= at <= count:
            raise ConfigEditError(f"cannot insert a binding at {at} (the config has {count})")
        text = self._binding_text(editor, path, node, raw, at - 1 if at else 0)
        editor.insert(path, at, text, multiline=True if count == 0 else None)
        self._commit(editor)
        return at

    @_edit_op
    def replace_binding(self, index: int, raw: dict[str, Any]) -> None:
        """Make binding ``index`` equal ``raw``, editing only what differs inside it (so its own
        comments survive a field change)."""
        editor, path, node = self._bindings_array()
        node = self._check_index(node, index)
        if not isinstance(raw, dict):
            raise ConfigEditError("a binding must be an object like {agentId, match: {channel, ...}}")
        shaped = _rename_channel_key(raw, to_provider=self._uses_provider(path, node))
        item = node.items[index]
        fragment = TextEditor(editor.text[item.start:item.end], base_indent=editor.line_indent(item.start),
                              style=editor.style)
        fragment.patch((), shaped)
        editor.splice([(item.start, item.end, fragment.text)])
        self._commit(editor)

    @_edit_op
    def delete_binding(self, index: int) -> None:
        """Remove binding ``index`` with the comments inside it and those after it on its last
        line; comment lines above it stay (see ``textedit`` for which comments go where)."""
        editor, path, node = self._bindings_array()
        self._check_index(node, index)
        editor.delete(path, index, with_comments=True)
        self._commit(editor)

    @_edit_op
    def move_binding(self, index: int, delta: int) -> int:
        """Move binding ``index`` by ``delta`` places (negative = up); returns its new index."""
        editor, path, node = self._bindings_array()
        node = self._check_index(node, index)
        target = index + delta
        if not 0 <= target < len(node.items):
            raise ConfigEditError(f"binding {index} cannot move {'up' if delta < 0 else 'down'} "
                                  "any further")
        while index != target:
            step = 1 if target > index else -1
            editor.swap_with_next(path, min(index, index + step))
            index += step
        self._commit(editor)
        return target

    def move_up(self, index: int) -> int:
        return self.move_binding(index, -1)

    def move_down(self, index: int) -> int:
        return self.move_binding(index, 1)

    @_edit_op
    def duplicate_binding(self, index: int) -> int:
        """Insert a copy of binding ``index`` right after it; returns the copy's index."""
        editor, path, node = self._bindings_array()
        node = self._check_index(node, index)
        item = node.items[index]
        editor.insert(path, index + 1, editor.text[item.start:item.end])
        self._commit(editor)
        return index + 1

    # -- default agent, agent-to-agent ------------------------------------------------------------
    def _agent_entries(self, editor: TextEditor) -> list[tuple[JsonPath, str]]:
        """(path of the entry, id as written) for every declared agent."""
        out: list[tuple[JsonPath, str]] = []
        for path in (("agents", "list"), ("agents", "entries"), ("routing", "agents")):
            node = editor.doc.find(path)
            if isinstance(node, json5doc.ArrayNode):
                for i, item in enumerate(node.items):
                    if isinstance(item, json5doc.ObjectNode):
                        ident = item.get("id")
                        if ident is not None and isinstance(ident.value, json5doc.Scalar):
                            out.append((path + (i,), str(ident.value.value)))
            elif isinstance(node, json5doc.ObjectNode):
                for member in node.members:
                    if isinstance(member.value, json5doc.ObjectNode):
                        out.append((path + (member.key,), member.key))
        return out

    @_edit_op
    def set_default_agent(self, agent_id: str) -> None:
        """Make ``agent_id`` the default agent: ``routing.defaultAgentId`` in a legacy file (or
        wherever that key already is), else ``default: true`` on its entry; the ``default: true``
        of any other agent is removed so there is exactly one."""
        editor = self._edit()
        wanted = normalize_agent_id(agent_id)
        entries = self._agent_entries(editor)
        target = next(((p, raw) for p, raw in entries if normalize_agent_id(raw) == wanted), None)
        if target is None:
            known = ", ".join(normalize_agent_id(raw) for _p, raw in entries) or "none declared"
            raise ConfigEditError(f'unknown agent "{agent_id}" (known: {known})')
        target_path, target_raw = target
        use_routing = editor.doc.find(("routing", "defaultAgentId")) is not None or \
            target_path[0] == "routing"
        container = target_path[:-1]
        current = json5doc.to_python(editor.node(container))
        updated: Any
        if isinstance(current, list):
            updated = [self._default_flag(e, i == target_path[-1], use_routing)
                       for i, e in enumerate(current)]
        else:
            updated = {k: self._default_flag(e, k == target_path[-1], use_routing)
                       for k, e in current.items()}
        editor.patch_fragment(container, updated)
        if use_routing:
            editor.set_path(("routing", "defaultAgentId"), target_raw)
        self._commit(editor)

    @staticmethod
    def _default_flag(entry: Any, is_target: bool, use_routing: bool) -> Any:
        if not isinstance(entry, dict):
            return entry
        out = dict(entry)
        if is_target and not use_routing:
            out["default"] = True
        elif out.get("default") is True or (is_target and out.get("default") is False):
            del out["default"]
        return out

    @_edit_op
    def set_agent_to_agent(self, enabled: bool, allow: list[str] | tuple[str, ...] | None = None) -> None:
        """Turn agent-to-agent messaging on/off and (when given) replace its allow list, under
        the key the file already uses (``tools.agentToAgent`` / ``routing.agentToAgent``)."""
        editor = self._edit()
        if editor.doc.find(("tools", "agentToAgent")) is not None:
            path: JsonPath = ("tools", "agentToAgent")
        elif editor.doc.find(("routing", "agentToAgent")) is not None or self.shape == "legacy":
            path = ("routing", "agentToAgent")
        else:
            path = ("tools", "agentToAgent")
        node = editor.doc.find(path)
        current = json5doc.to_python(node) if node is not None else {}
        value = dict(current) if isinstance(current, dict) else {}
        value["enabled"] = bool(enabled)
        if allow is not None:
            value["allow"] = [str(a) for a in allow]
        editor.set_path(path, value)
        self._commit(editor)

    # -- disk -------------------------------------------------------------------------------------
    def changed_on_disk(self) -> bool:
        """True when the file no longer holds what this document was loaded from / saved as."""
        return self.path is not None and _changed(self.path, self.base_hash)

    def reload(self) -> None:
        """Re-read the file, dropping unsaved edits."""
        if self.path is None:
            raise ConfigEditError("this config has no file to reload from")
        data = read_config_bytes(self.path, file=self.file)
        self.text = self._saved_text = decode_config_bytes(data, file=self.file)
        self.base_hash = text_hash(self.text)
        self._editor = None
        self._validate()

    def mark_saved(self, path: str | os.PathLike[str], base_hash: str, text: str) -> None:
        """``text`` is in the file at ``path`` now, with digest ``base_hash`` (what
        ``ConfigSaved`` says after a save through the engine): edit that file from now on, and
        count only edits made since then as unsaved."""
        target = Path(path)
        moved = target != self.path
        self.path, self.base_hash, self._saved_text = target, base_hash, text
        if moved:
            self.file = str(target)
            self._validate()

    def save(self, path: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
        """Write the edited text back atomically (temp file + fsync + rename; the previous file
        is kept as a 0600 ``<name>.bak``; the file keeps its mode). Refuses with
        ConfigChangedOnDisk when the file changed since it was read, and with the ConfigError
        when the text does not validate (``force=True`` writes anyway)."""
        if path is not None:
            target = save_target(path)
            if self.path is None or target != self.path:
                return self.save_as(target, force=force)
        if self.path is None:
            raise ConfigEditError("this config has no file yet; use save_as(path)")
        self._refuse_invalid(force)
        self.mark_saved(self.path, write_config(self.text, self.path, base_hash=self.base_hash),
                        self.text)
        return self.path

    def save_as(self, path: str | os.PathLike[str], *, overwrite: bool = False, force: bool = False) -> Path:
        """Write to a new file (e.g. the built-in example to the config path) and edit that file
        from now on. An existing file is only replaced with ``overwrite=True`` (and kept as
        ``.bak`` then). Missing folders are made 0700 and a new file is 0600; a path that
        cannot be written is a ConfigSaveError and leaves the document as it was."""
        target = save_target(path)
        self._refuse_invalid(force)
        self.mark_saved(target, write_config(self.text, target, base_hash=None,
                                             overwrite=overwrite), self.text)
        return target

    def _refuse_invalid(self, force: bool) -> None:
        if self.problems and not force:
            raise ConfigError(list(self.problems), list(self.warnings))


def save_target(path: str | os.PathLike[str]) -> Path:
    """The absolute path a save to ``path`` writes (``~`` expanded). A ``~user`` that names no
    user is a ConfigSaveError, not a folder called ``~user`` made in the current one."""
    text = os.fspath(path)
    expanded = os.path.expanduser(text)
    if expanded.startswith("~"):
        user = expanded.split(os.sep, 1)[0]
        raise ConfigSaveError(f"cannot save to {text}: there is no home folder for {user}")
    return Path(os.path.abspath(expanded))


def write_config(text: str, target: Path, *, base_hash: str | None, overwrite: bool = False) -> str:
    """Write ``text`` to ``target`` (from ``save_target``) and return its ``text_hash``.

    With ``base_hash`` the file is the one that text was read from: it must still hold that
    digest, else ConfigChangedOnDisk and nothing is written. Without it the file is new:
    ConfigFileExists when something is there (unless ``overwrite``), and missing folders are
    made 0700. Validating ``text`` is the caller's job (it knows the config's name)."""
    if base_hash is not None:
        if _changed(target, base_hash):
            raise ConfigChangedOnDisk(target)
    else:
        if os.path.lexists(target) and not overwrite:
            raise ConfigFileExists(target)
        try:
            make_private_dir(target.parent)
        except (OSError, ValueError) as exc:
            raise ConfigSaveError(f"cannot create {target.parent}: {_reason(exc)}") from None
    _atomic_write(target, text)
    return text_hash(text)


def _changed(path: Path, base_hash: str) -> bool:
    """Whether ``path`` no longer holds the text whose digest is ``base_hash``."""
    try:
        current = read_config_bytes(path)
    except ConfigError:  # gone, unreadable, or no longer a regular file
        return True
    return data_hash(current) != base_hash


def _atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` (through a symlink: its target) with ``text``, keeping the file's mode;
    a new file is 0600. The old bytes go to a 0600 ``<name>.bak`` first (it may hold API keys
    too). Either the new file is complete on disk or nothing changed."""
    try:
        real = Path(os.path.realpath(path))
        if os.path.lexists(real):
            mode = stat.S_IMODE(real.stat().st_mode)
            previous = read_file_bytes(real, limit=CONFIG_MAX_BYTES, what="config file",
                                       display=str(path))
            replace_file(real.with_name(real.name + ".bak"), previous)
        else:
            mode = PRIVATE_FILE_MODE
        replace_file(real, text.encode("utf-8"), mode)
    except InputError as exc:  # what is there cannot be kept as .bak: a FIFO, a device...
        raise ConfigSaveError(f"cannot write {path}: {exc.problem}; the file on disk is "
                              "unchanged") from None
    except (OSError, ValueError) as exc:
        raise ConfigSaveError(f"cannot write {path}: {_reason(exc)}; the file on disk is "
                              "unchanged") from None


def _reason(exc: OSError | ValueError) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
