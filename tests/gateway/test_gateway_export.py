"""Exports on real files: every export is a new private file with a bounded, unique name, and a
write that cannot happen is a one-line error naming the path, never a raw OSError."""

from __future__ import annotations

import os
import stat
from datetime import datetime

import pytest
from gateway_helpers import gateway, two_agents, write_config

from engine.errors import ClawError
from engine.gateway import PeerSpec, TurnFinished
from engine.store.export_file import ExportError, export_file_name, write_export

NAME_MAX = 255
ME = PeerSpec(id="me")


async def talk(gw, peer: PeerSpec, text: str) -> str:
    ticket = await gw.send("whatsapp:personal", peer, text)
    assert isinstance(await ticket.wait(), TurnFinished)
    return ticket.session_key


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_exports_in_the_same_second_are_new_private_files(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        await talk(gw, ME, "remember the zebra")
        paths = [await gw.export("whatsapp:personal", ME) for _ in range(4)]
        paths.append(await gw.export("whatsapp:personal", ME, "jsonl"))
    assert len(set(paths)) == 5
    folder = tmp_path / "state" / "exports"
    assert sorted(folder.iterdir()) == sorted(paths)  # no temp files left behind
    for path in paths:
        assert "remember the zebra" in path.read_text(encoding="utf-8")
        assert mode(path) == 0o600, path
    assert mode(folder) == 0o700


async def test_a_300_character_peer_id_gets_a_short_distinct_name(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    long_a, long_b = PeerSpec(id="p" * 299 + "a"), PeerSpec(id="p" * 299 + "b")
    wide = PeerSpec(id="é" * 300)  # two UTF-8 bytes each
    async with gateway(config, tmp_path, env) as gw:
        for peer in (long_a, long_b, wide):
            await talk(gw, peer, f"hello from {peer.id[-1]}")
        a = await gw.export("whatsapp:personal", long_a)
        b = await gw.export("whatsapp:personal", long_b)
        w = await gw.export("whatsapp:personal", wide, "jsonl")
    assert a != b and a.name[:90] == b.name[:90]  # same cut key, told apart by the hash
    for path, peer in ((a, long_a), (b, long_b), (w, wide)):
        assert len(path.name.encode("utf-8")) <= NAME_MAX
        assert peer.id in path.read_text(encoding="utf-8")  # the full id is inside the file


def test_names_are_bounded_for_any_session_key() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    agent = "a" * 64  # the longest agent id there is
    for key in ("agent:home:main", "x" * 5000, "ü" * 5000, "agent:" + "/" * 300, "\x00" * 300):
        for ext in ("md", "jsonl"):
            name = export_file_name(agent, key, ext, when, copy=999)
            assert len(name.encode("utf-8")) <= NAME_MAX, key[:10]
            assert name.endswith(f"-20260102-030405-999.{ext}")
            assert "/" not in name and "\x00" not in name and not name.startswith(".")
    assert export_file_name("home", "agent:home:main", "md", when) == \
        "home-agent_home_main-20260102-030405.md"
    assert export_file_name("home", "k" * 300, "md", when) != export_file_name("home", "k" * 301, "md", when)


def test_an_existing_file_is_never_overwritten(tmp_path) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o700)
    taken = folder / export_file_name("home", "agent:home:main", "md", when)
    taken.write_text("the user's own notes")
    first = write_export(folder, "home", "agent:home:main", "md", "one", when=when)
    second = write_export(folder, "home", "agent:home:main", "md", "two", when=when)
    assert taken.read_text() == "the user's own notes"
    assert first.name == "home-agent_home_main-20260102-030405-2.md" and first.read_text() == "one"
    assert second.name == "home-agent_home_main-20260102-030405-3.md" and second.read_text() == "two"


async def test_an_exports_path_that_is_a_file_is_a_clear_error(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        await talk(gw, ME, "hello")
        blocker = tmp_path / "state" / "exports"
        blocker.write_text("not a folder")
        with pytest.raises(ExportError) as info:
            await gw.export("whatsapp:personal", ME)
        assert isinstance(info.value, ClawError)
        assert str(info.value).startswith(f"cannot export to {blocker}: ")
        assert str(info.value) == f"cannot export to {blocker}: Not a directory"
        assert blocker.read_text() == "not a folder"  # untouched
        blocker.unlink()
        assert (await gw.export("whatsapp:personal", ME)).exists()  # works again once fixed


async def test_an_existing_shared_exports_folder_is_made_private(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        await talk(gw, ME, "hello")
        folder = tmp_path / "state" / "exports"
        folder.mkdir()
        os.chmod(folder, 0o755)  # as an earlier version left it
        path = await gw.export("whatsapp:personal", ME)
    assert mode(folder) == 0o700 and mode(path) == 0o600
