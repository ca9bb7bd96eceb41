"""AgentStore: one agent's chat history and session state in its own SQLite file.

Two aiosqlite connections per file: a writer that every write goes through (WriteQueue, group
commit) and a read-only reader, so history pages and searches never wait behind writes (WAL
gives readers a consistent snapshot while a write transaction is open).

Durability: WAL with ``synchronous=NORMAL``. A committed transaction is in the WAL file (the OS
page cache) before COMMIT returns, so it survives any kill of the process; only an OS crash or
power loss can drop the last few commits. That is the guarantee the issue asks for, and FULL
would add an fsync to every commit for a failure mode (power loss) it does not cover.

Several processes may open one file (two apps, or an app and a replay, on one state dir): SQLite
serialises their writes, and opening recovers only the replies whose writer is gone (owners.py),
never one another process is still streaming.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import aiosqlite

from engine.ids import normalize_agent_id

from .errors import StoreError, describe_sqlite_error, store_error
from .export import render_jsonl, render_markdown
from .files import prepare_store_file, tighten_side_files
from .models import (
    ROLES, STATUSES, SearchHit, SessionInfo, SessionRow, SessionTimes, StoredMessage, clean_text,
    dump_meta,
)
from .ops import (AppendOp, CheckpointOp, EnsureSessionOp, FinishOp, ReopenSessionOp, ResetSessionOp,
                  TurnOp)
from .owners import OwnerLock, owner_alive, sweep_dead_owners
from .reply import ReplyWriter
from .schema import APPLICATION_ID, LATEST_VERSION, migrate
from .search import (
    SNIPPET_ELLIPSIS, SNIPPET_END, SNIPPET_START, SNIPPET_TOKENS, build_match_query, trim_snippet,
)
from .sql import MESSAGE_COLUMNS, SESSION_COLUMNS, row_to_message, row_to_session
from .writer import WriteContext, WriteOp, WriteQueue, with_busy_retry

BUSY_TIMEOUT_MS = 5000


def _daemonize(conn: aiosqlite.Connection) -> aiosqlite.Connection:
    """Let the connection's worker thread die with the process.

    aiosqlite starts a non-daemon thread per connection, so a store someone forgot to close
    would keep Python from exiting (a hung terminal). Dying mid-write is safe here: WAL makes it
    the same as a kill, which the store is built to survive. Only done while the thread is not
    yet started; if aiosqlite's internals change, nothing happens.
    """
    thread = getattr(conn, "_thread", None)
    if isinstance(thread, threading.Thread) and not thread.is_alive():
        thread.daemon = True
    return conn


async def _connect(path: Path, *, readonly: bool) -> aiosqlite.Connection:
    conn = await _daemonize(aiosqlite.connect(path, isolation_level=None))
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if readonly:
            await conn.execute("PRAGMA query_only = ON")
    except BaseException:
        await conn.close()
        raise
    return conn


class AgentStore:
    """The session store of one agent. Open with ``await AgentStore.open(state_dir, agent_id)``."""

    def __init__(self, path: Path, agent_id: str, writer: aiosqlite.Connection,
                 reader: aiosqlite.Connection, owner: OwnerLock) -> None:
        self.path = path
        self.agent_id = agent_id
        self._writer = writer
        self._reader = reader
        self._owner = owner
        self._queue = WriteQueue(WriteContext(writer, path, agent_id, owner.token))
        self._replies: set[ReplyWriter] = set()
        self._infos: dict[SessionInfo, SessionInfo] = {}  # as given -> storable (hot path cache)
        self._closed = False

    # ------------------------------------------------------------------ open / close

    @classmethod
    async def open(cls, state_dir: Path | str, agent_id: str) -> AgentStore:
        """Open (creating or migrating) ``<state>/agents/<id>/sessions/sessions.sqlite``.

        Raises StoreError naming the file when it is not ours, corrupt, read-only, newer than
        this code, or outside the state dir. Replies left ``streaming`` by a process that has
        ended become ``interrupted`` with their partial text kept; replies another process is
        still streaming into the same file are left to it (see owners.py).
        """
        agent = normalize_agent_id(agent_id)
        path, _ = prepare_store_file(state_dir, agent)
        writer = reader = owner = None
        try:
            await _probe(path)
            owner = OwnerLock.acquire(path)
            writer = await _connect(path, readonly=False)
            await _prepare_schema(writer, path)
            await _recover_streaming(writer, path)
            sweep_dead_owners(path)
            reader = await _connect(path, readonly=True)
            tighten_side_files(path)
        except BaseException as exc:
            for conn in (reader, writer):
                if conn is not None:
                    await conn.close()
            if owner is not None:
                owner.release()
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise store_error(path, exc) from exc
            raise
        return cls(path, agent, writer, reader, owner)

    async def close(self) -> None:
        """Finish pending writes; replies still streaming are kept as ``interrupted``."""
        if self._closed:
            return
        self._closed = True  # reads stop now; queued and final writes still go through
        for reply in list(self._replies):
            if reply.finished:  # its own finish() is committing; don't race it
                continue
            try:
                await reply.finish("interrupted", reply.text, meta={"interrupt_reason": "store closed"})
            except StoreError:
                pass  # the file went bad; the row stays streaming and is recovered on next open
        await self._queue.close()
        for conn in (self._reader, self._writer):
            try:
                await conn.close()
            except sqlite3.Error:
                pass
        self._owner.release()  # last: a reply that could not be finished is now recoverable

    async def __aenter__(self) -> AgentStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AgentStore(agent_id={self.agent_id!r}, path={str(self.path)!r})"

    # ------------------------------------------------------------------ writes

    def _clean_info(self, info: SessionInfo) -> SessionInfo:
        cached = self._infos.get(info)  # type: ignore[arg-type]
        if cached is None:
            cached = _clean_info(info)
            if len(self._infos) >= 4096:
                self._infos.clear()
            self._infos[info] = cached
        return cached

    async def _submit(self, op: WriteOp):
        return await self._queue.submit(op)

    async def ensure_session(self, info: SessionInfo) -> SessionRow:
        """Create the session for ``info.session_key`` or refresh its route and last-active time."""
        return await self._submit(EnsureSessionOp(self._clean_info(info)))

    def _append_op(self, info: SessionInfo, role: str, author: str, content: str, status: str,
                   meta: dict | None, at: float | None = None) -> AppendOp:
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        if status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}, not {status!r}")
        if not isinstance(content, str):
            raise TypeError(f"content must be str, not {type(content).__name__}")
        meta = dict(meta or {})
        return AppendOp(self._clean_info(info), role, clean_text(str(author)), clean_text(content),
                        status, meta, dump_meta(meta), time.time() if at is None else at)

    async def append(self, info: SessionInfo, role: str, author: str, content: str, *,
                     status: str = "complete", meta: dict | None = None,
                     at: float | None = None) -> StoredMessage:
        """Store one message; returns it once committed (creating the session if needed).
        ``at``: its time (epoch seconds), when the caller's clock is not the real one."""
        return await self._submit(self._append_op(info, role, author, content, status, meta, at))

    async def begin_reply(self, info: SessionInfo, author: str, *,
                          meta: dict | None = None) -> ReplyWriter:
        """Create an empty assistant message in status ``streaming`` and a writer for it."""
        return self._writer_for(await self.append(info, "assistant", author, "",
                                                  status="streaming", meta=meta))

    async def begin_turn(self, info: SessionInfo, role: str, author: str, content: str, *,
                         meta: dict | None = None, reply_author: str, reply_role: str = "assistant",
                         reply_meta: dict | None = None,
                         at: float | None = None) -> tuple[StoredMessage, ReplyWriter]:
        """Store a message and begin the (empty, ``streaming``) reply to it in one transaction.

        A crash at any moment then leaves both or neither: a stored question always has its
        reply row, which the next open turns into ``interrupted`` with whatever text it got.
        """
        op = TurnOp(self._append_op(info, role, author, content, "complete", meta, at),
                    self._append_op(info, reply_role, reply_author, "", "streaming", reply_meta, at))
        message, reply = await self._submit(op)
        return message, self._writer_for(reply)

    def _writer_for(self, message: StoredMessage) -> ReplyWriter:
        reply = ReplyWriter(self, message)
        self._replies.add(reply)
        return reply

    async def checkpoint_reply(self, op: CheckpointOp) -> None:
        """A reply writer's checkpoint, in the one write queue."""
        await self._submit(op)

    async def finish_reply(self, reply: ReplyWriter, op: FinishOp) -> StoredMessage:
        """A reply writer's final write; from then on (committed or not) the reply is no
        longer open, so ``close`` leaves it alone."""
        try:
            return await self._submit(op)
        finally:
            self._replies.discard(reply)

    async def reset_session(self, session_key: str, info: SessionInfo | None = None, *,
                            at: float | None = None, only_if: str | None = None) -> SessionRow:
        """Start a new session id for ``session_key``; the old history stays and stays searchable.

        Without ``info`` the key must have a session (StoreError otherwise) and its route is
        kept; with ``info`` the new session takes that route and the key need not exist yet.
        ``at``: when the new session starts (default now). ``only_if``: retire only that
        session id — if the key has moved on to another one (another process renewed it), that
        one is returned unchanged, so an expiry seen twice starts one new session, not two.
        """
        clean = None if info is None else self._clean_info(info)
        if clean is not None and clean.session_key != clean_text(session_key):
            raise ValueError(f"info is for session {info.session_key!r}, not {session_key!r}")  # type: ignore[union-attr]
        return await self._submit(ResetSessionOp(clean_text(session_key), clean, at, only_if))

    async def reopen_session(self, session_id: str, *, at: float | None = None) -> SessionRow:
        """Make ``session_id`` (retired by a reset) the live session of its key again, so the
        key's next messages are written to it; the session live until now is retired and
        kept. ``at``: when (default now; its reset windows start there). StoreError when this
        store has no such session."""
        return await self._submit(ReopenSessionOp(session_id, at))

    # ------------------------------------------------------------------ reads

    async def _read(self, sql: str, params: tuple | list = ()) -> list:
        if self._closed:
            raise StoreError(self.path, "the store is closed")
        try:
            return list(await with_busy_retry(lambda: self._reader.execute_fetchall(sql, params)))
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc

    async def last_messages(self, session_key: str, limit: int = 200, *,
                            skip_own_streaming: bool = False) -> list[StoredMessage]:
        """The newest ``limit`` messages of the key's current session id, oldest first.

        ``skip_own_streaming`` leaves out the replies this store is streaming right now, for a
        caller that shows those live (replies another process is streaming are kept).
        """
        return await self._page(session_key, None, limit, skip_own_streaming)

    async def messages_before(self, session_key: str, before_seq: int, limit: int = 200, *,
                              skip_own_streaming: bool = False) -> list[StoredMessage]:
        """The ``limit`` messages just before ``before_seq`` (current session id), oldest first."""
        return await self._page(session_key, before_seq, limit, skip_own_streaming)

    async def _page(self, session_key: str, before_seq: int | None, limit: int,
                    skip_own_streaming: bool) -> list[StoredMessage]:
        if limit <= 0:
            return []
        before = "" if before_seq is None else "AND m.seq < ?"
        params: list = [session_key]
        if before_seq is not None:
            params.append(int(before_seq))
        own = ""
        if skip_own_streaming:
            own = "AND (m.status <> 'streaming' OR m.owner IS NOT ?)"
            params.append(self._owner.token)
        params.append(int(limit))
        rows = await self._read(
            f"""SELECT {MESSAGE_COLUMNS} FROM sessions s
                  JOIN messages m ON m.session_ref = s.id
                 WHERE s.session_key = ? AND s.active = 1 {before} {own}
                 ORDER BY m.seq DESC LIMIT ?""",
            params,
        )
        return [row_to_message(row) for row in reversed(rows)]

    async def get_session(self, session_key: str) -> SessionRow | None:
        """The key's current session, or None if nothing was ever written for it."""
        rows = await self._read(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_key = ? AND active = 1",
            (session_key,))
        return row_to_session(rows[0]) if rows else None

    async def session_times(self, session_key: str) -> SessionTimes | None:
        """When the key's current session started (or was reopened) and when its user last
        wrote in it since (what an expiry is decided on), or None if the key has no session."""
        rows = await self._read(
            """SELECT s.session_id, coalesce(s.live_since, s.created_at),
                      (SELECT m.created_at FROM messages m
                        WHERE m.session_ref = s.id AND m.role = 'user'
                        ORDER BY m.seq DESC LIMIT 1),
                      s.live_since
                 FROM sessions s WHERE s.session_key = ? AND s.active = 1""", (session_key,))
        if not rows:
            return None
        session_id, started, last_user, reopened = rows[0]
        if reopened is not None and last_user is not None and last_user < reopened:
            last_user = None  # what was said before the reopen does not count
        return SessionTimes(session_id, started, last_user)

    async def list_sessions(self, *, include_reset: bool = False) -> list[SessionRow]:
        """Sessions, most recently active first; reset (retired) session ids only on request."""
        where = "" if include_reset else "WHERE active = 1"
        rows = await self._read(
            f"SELECT {SESSION_COLUMNS} FROM sessions {where} ORDER BY updated_at DESC, id DESC")
        return [row_to_session(row) for row in rows]

    async def search(self, query: str, *, session_key: str | None = None, limit: int = 50,
                     raw: bool = False) -> list[SearchHit]:
        """Full-text search, newest first, over every session id (or only ``session_key``'s).

        ``query`` is free text (see engine.store.search: never a syntax error); with ``raw=True``
        it is FTS5 syntax and a malformed query raises StoreError explaining the problem.
        """
        if limit <= 0:
            return []
        if raw:
            match = query.strip()
            return await self._search(match, session_key, limit, raw_query=query) if match else []
        exact = build_match_query(query, prefix=False)
        if exact is None:
            return []
        hits = await self._search(exact, session_key, limit)
        prefixed = build_match_query(query)
        if len(hits) < limit and prefixed != exact:
            # Prefix matches are a superset: their newest ``limit`` replace the whole-word page.
            hits = await self._search(prefixed, session_key, limit)
        return hits

    async def _search(self, match: str, session_key: str | None, limit: int, *,
                      raw_query: str | None = None) -> list[SearchHit]:
        """Newest-first FTS5 query; ``raw_query`` set means the user wrote ``match`` themselves."""
        where, params = "messages_fts MATCH ?", [match]
        if session_key is not None:
            span = await self._id_span(session_key)
            if span is None:
                return []
            # The id range lets FTS5 skip every match older or newer than this session.
            where += " AND messages_fts.rowid BETWEEN ? AND ? AND s.session_key = ?"
            params += [*span, session_key]
        params.append(int(limit))
        sql = f"""SELECT {MESSAGE_COLUMNS},
                         snippet(messages_fts, 0, ?, ?, ?, {SNIPPET_TOKENS})
                    FROM messages_fts
                    JOIN messages m ON m.id = messages_fts.rowid
                    JOIN sessions s ON s.id = m.session_ref
                   WHERE {where}
                   ORDER BY messages_fts.rowid DESC LIMIT ?"""
        if self._closed:
            raise StoreError(self.path, "the store is closed")
        try:
            rows = await with_busy_retry(lambda: self._reader.execute_fetchall(
                sql, [SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS, *params]))
        except sqlite3.OperationalError as exc:
            if raw_query is not None and getattr(exc, "sqlite_errorcode", None) == 1:  # SQLITE_ERROR
                raise StoreError(self.path, f"search: invalid query {raw_query!r} ({exc}); "
                                 "use plain words, or quote a phrase") from exc
            raise store_error(self.path, exc) from exc
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc
        return [SearchHit(row_to_message(row), trim_snippet(row[10]), self.agent_id) for row in rows]

    async def _id_span(self, session_key: str) -> tuple[int, int] | None:
        """Lowest and highest message id of a key (all its session ids), None if it has none.

        Ids and sequence numbers are both handed out in commit order under the write lock, so
        a session's first and last message by seq are its first and last by id (index seeks).
        """
        rows = await self._read(
            """SELECT min(lo), max(hi) FROM (
                 SELECT (SELECT id FROM messages WHERE session_ref = s.id ORDER BY seq LIMIT 1) AS lo,
                        (SELECT id FROM messages WHERE session_ref = s.id ORDER BY seq DESC LIMIT 1) AS hi
                   FROM sessions s WHERE s.session_key = ?)""", (session_key,))
        lo, hi = rows[0]
        return None if lo is None else (lo, hi)

    # ------------------------------------------------------------------ export

    async def _session_for_export(self, session_key: str, session_id: str | None) -> SessionRow:
        if session_id is None:
            row = await self.get_session(session_key)
        else:
            rows = await self._read(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_key = ? AND session_id = ?",
                (session_key, session_id))
            row = row_to_session(rows[0]) if rows else None
        if row is None:
            raise StoreError(self.path, f"no session {session_key!r} to export")
        return row

    async def _all_messages(self, session_id: str) -> list[StoredMessage]:
        rows = await self._read(
            f"""SELECT {MESSAGE_COLUMNS} FROM sessions s JOIN messages m ON m.session_ref = s.id
                 WHERE s.session_id = ? ORDER BY m.seq""", (session_id,))
        return [row_to_message(row) for row in rows]

    async def export_markdown(self, session_key: str, *, session_id: str | None = None) -> str:
        """The key's current session (or ``session_id``) as a Markdown document."""
        session = await self._session_for_export(session_key, session_id)
        return render_markdown(session, await self._all_messages(session.session_id))

    async def export_jsonl(self, session_key: str, *, session_id: str | None = None) -> str:
        """The key's current session (or ``session_id``) as JSON Lines, one message per line."""
        session = await self._session_for_export(session_key, session_id)
        return render_jsonl(await self._all_messages(session.session_id))


def _clean_info(info: SessionInfo) -> SessionInfo:
    """``info`` itself when all its text is storable (the usual case), else a repaired copy."""
    if not isinstance(info, SessionInfo):
        raise TypeError(f"expected SessionInfo, not {type(info).__name__}")
    texts = (info.session_key, info.channel, info.account_id, info.peer_kind, info.peer_id,
             info.display_name)
    cleaned = tuple(None if t is None else clean_text(t) for t in texts)
    if all(a is b for a, b in zip(texts, cleaned)):
        return info
    return SessionInfo(*cleaned, matched_by=info.matched_by, binding_index=info.binding_index)  # type: ignore[arg-type]


async def _identify(conn: aiosqlite.Connection, path: Path) -> int:
    """The file's schema version; StoreError if it is someone else's database or too new."""
    app_id = (await (await conn.execute("PRAGMA application_id")).fetchone())[0]
    version = (await (await conn.execute("PRAGMA user_version")).fetchone())[0]
    tables = (await (await conn.execute("SELECT count(*) FROM sqlite_master")).fetchone())[0]
    fresh = app_id == 0 and version == 0 and tables == 0
    if not fresh and app_id != APPLICATION_ID:
        raise StoreError(path, f"is a SQLite database but not a claw-tui session store "
                         f"(application id {app_id:#x}, {tables} schema objects); "
                         "it was left untouched — move it away to start a new store")
    if version > LATEST_VERSION:
        raise StoreError(path, f"was written by a newer claw-tui (schema version {version}, this "
                         f"version knows up to {LATEST_VERSION}); upgrade claw-tui to open it")
    return version


async def _probe(path: Path) -> None:
    """Identify an existing file before opening it for writing, without side effects.

    First through an immutable view of the main file (no locks, no -wal/-shm, no checkpoint):
    a foreign, corrupt or newer file is refused without SQLite writing a byte anywhere. Only if
    the main file looks empty but a -wal holds content (a database whose data was never
    checkpointed) is a read-only connection needed; it can update the -shm index that every
    reader updates, but never the database or its WAL.
    """
    if path.stat().st_size == 0:
        return
    uri = path.resolve().as_uri()
    for params in ("mode=ro&immutable=1", "mode=ro"):
        conn = await _daemonize(aiosqlite.connect(f"{uri}?{params}", uri=True))
        try:
            if await _identify(conn, path) > 0:
                return
        finally:
            await conn.close()
        wal = path.with_name(path.name + "-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            return


async def _prepare_schema(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse foreign or newer files before anything is written; then WAL and migrations."""
    version = await _identify(conn, path)
    mode = (await (await conn.execute("PRAGMA journal_mode = WAL")).fetchone())[0]
    if str(mode).lower() != "wal":
        raise StoreError(path, f"cannot switch to WAL journaling (got {mode!r})")
    await conn.execute("PRAGMA synchronous = NORMAL")
    if version < LATEST_VERSION:
        try:
            await migrate(conn, version)
        except sqlite3.Error as exc:
            reached = (await (await conn.execute("PRAGMA user_version")).fetchone())[0]
            raise StoreError(path, f"could not upgrade the schema from version {version} to "
                             f"{LATEST_VERSION} ({describe_sqlite_error(exc)}); the file was left "
                             f"at version {reached}") from exc


async def _recover_streaming(conn: aiosqlite.Connection, path: Path) -> None:
    """Replies whose store is gone (its process killed, or a claw-tui that recorded no owner)
    keep their partial text as ``interrupted``; a reply whose owner still holds its lock is
    being streamed by another process right now and is left alone."""
    await with_busy_retry(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        owners = await conn.execute_fetchall(
            "SELECT DISTINCT owner FROM messages WHERE status = 'streaming'")
        dead = [(owner,) for (owner,) in owners if not owner_alive(path, owner)]
        await conn.executemany(
            """UPDATE messages SET status = 'interrupted', owner = NULL
                WHERE status = 'streaming' AND owner IS ?""", dead)
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
