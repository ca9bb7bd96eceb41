"""The config as text through the engine interface: ``config_source`` hands out the file's text
and its digest, ``save_config`` takes edited text back, validates it, writes it (``.bak`` kept,
private new files) and applies it, and refuses, writing nothing, text that does not validate or
a digest the file no longer has. Real files in tmp dirs, a real gateway."""

from __future__ import annotations

import os
import stat

import anyio
import pytest
from gateway_helpers import gateway, two_agents, write_config

from engine.config.edit import ConfigChangedOnDisk, ConfigDocument, ConfigEditError, ConfigFileExists
from engine.config.example import EXAMPLE_TEXT, load_example
from engine.config.loader import load_config
from engine.config.source import text_hash
from engine.errors import ConfigError
from engine.gateway import ConfigReloaded, PeerSpec, TurnFinished

ME = PeerSpec(id="me")
WORK_BINDING = {"agentId": "work", "match": {"channel": "whatsapp", "accountId": "personal"}}


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def reloads(sub) -> list[ConfigReloaded]:
    return [ev for ev in sub.drain() if isinstance(ev, ConfigReloaded)]


async def test_source_edit_save_and_the_next_message_routes_with_it(tmp_path, env):
    path = tmp_path / "clawdbot.json"
    config = write_config(tmp_path, "// the house\n" + two_agents())
    os.chmod(path, 0o640)
    async with gateway(config, tmp_path, env) as gw:
        assert gw.route("whatsapp:personal", ME).agent_id == "home"
        source = await gw.config_source()
        assert (source.raw, source.path, source.is_example) == (path.read_text(), str(path), False)
        assert source.base_hash == text_hash(path.read_text())
        doc = ConfigDocument.from_source(source)
        doc.add_binding(WORK_BINDING)
        sub = gw.subscribe()
        saved = await gw.save_config(doc.render(), base_hash=source.base_hash)
        assert (saved.path, saved.applied) == (str(path), True)
        assert path.read_text() == doc.render() and path.read_text().startswith("// the house\n")
        assert (tmp_path / "clawdbot.json.bak").read_text() == source.raw
        assert mode(path) == 0o640 and mode(tmp_path / "clawdbot.json.bak") == 0o600
        assert [ev.config for ev in reloads(sub)] == [gw.config]
        assert gw.config.path == str(path)
        ticket = await gw.send("whatsapp:personal", ME, "who answers now?")
        assert ticket.agent_id == "work"
        assert isinstance(await ticket.wait(), TurnFinished)
        again = await gw.config_source()
        assert again.raw == doc.render() and again.base_hash == saved.base_hash
        doc.mark_saved(saved.path, saved.base_hash, doc.render())
        assert not doc.dirty
        doc.delete_binding(1)  # a second save starts from the digest the first one returned
        assert (await gw.save_config(doc.render(), base_hash=doc.base_hash)).applied
        assert gw.route("whatsapp:personal", ME).agent_id == "home"


async def test_a_file_changed_since_it_was_read_is_refused_and_nothing_is_written(tmp_path, env):
    path = tmp_path / "clawdbot.json"
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        source = await gw.config_source()
        doc = ConfigDocument.from_source(source)
        doc.add_binding(WORK_BINDING)
        external = two_agents() + "// edited elsewhere\n"
        path.write_text(external)
        sub = gw.subscribe()
        with pytest.raises(ConfigChangedOnDisk) as info:
            await gw.save_config(doc.render(), base_hash=source.base_hash)
        assert str(path) in str(info.value)
        assert path.read_text() == external and not (tmp_path / "clawdbot.json.bak").exists()
        assert gw.config is config and reloads(sub) == []
        path.unlink()  # gone counts as changed too
        with pytest.raises(ConfigChangedOnDisk):
            await gw.save_config(doc.render(), base_hash=source.base_hash)
        assert not path.exists()


async def test_text_that_does_not_validate_is_a_located_error_and_nothing_is_written(tmp_path, env):
    path = tmp_path / "clawdbot.json"
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        source = await gw.config_source()
        broken = source.raw.replace('agentId: "work"', 'agentId: "wrok"')
        with pytest.raises(ConfigError) as info:
            await gw.save_config(broken, base_hash=source.base_hash)
        [problem] = info.value.problems
        assert problem.file == str(path) and problem.path == "bindings[0].agentId"
        assert problem.line == 3 and "wrok" in problem.message
        with pytest.raises(ConfigError) as info:
            await gw.save_config("{ agents: [", base_hash=source.base_hash)
        assert info.value.problems[0].code == "syntax" and info.value.problems[0].line == 1
        assert path.read_text() == source.raw and not (tmp_path / "clawdbot.json.bak").exists()
        assert gw.config is config


async def test_the_example_is_saved_as_a_private_file_and_runs_from_it(tmp_path, env):
    target = tmp_path / "new" / "deeper" / "clawdbot.json"
    other = tmp_path / "other.json"
    other.write_text("{}")
    old = os.umask(0o022)
    try:
        async with gateway(load_example(), tmp_path, env) as gw:
            source = await gw.config_source()
            assert (source.raw, source.path, source.is_example) == (EXAMPLE_TEXT, None, True)
            doc = ConfigDocument.from_source(source)
            assert doc.is_example
            doc.set_agent_to_agent(False)
            with pytest.raises(ConfigEditError, match="no file yet"):
                await gw.save_config(doc.render(), base_hash=source.base_hash)
            saved = await gw.save_config(doc.render(), base_hash=source.base_hash,
                                         path=str(target))
            assert saved.path == str(target) and saved.applied
            assert gw.config.path == str(target) and not gw.config.is_example
            assert not gw.config.agent_to_agent.enabled
            assert (await gw.config_source()).path == str(target)
            with pytest.raises(ConfigChangedOnDisk):  # now its own file: the example's hash is stale
                await gw.save_config(EXAMPLE_TEXT, base_hash=source.base_hash, path=str(target))
            with pytest.raises(ConfigFileExists) as info:  # "save as" onto another file
                await gw.save_config(EXAMPLE_TEXT, base_hash=source.base_hash, path=str(other))
            assert info.value.path == other and other.read_text() == "{}"
            assert target.read_text() == doc.render() and gw.config.path == str(target)
            assert (await gw.save_config(EXAMPLE_TEXT, base_hash=source.base_hash,
                                         path=str(other), overwrite=True)).applied
            assert gw.config.path == str(other) and gw.config.agent_to_agent.enabled
            assert (tmp_path / "other.json.bak").read_text() == "{}"
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o700 and mode(target.parent) == 0o700
    assert mode(target) == 0o600 and mode(tmp_path / "other.json.bak") == 0o600


async def test_line_breaks_bom_and_comments_go_through_untouched(tmp_path, env):
    path = tmp_path / "clawdbot.json"
    text = "\ufeff// phone first\r\n" + two_agents().replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    async with gateway(load_config(path), tmp_path, env) as gw:
        source = await gw.config_source()
        assert source.raw == text
        doc = ConfigDocument.from_source(source)
        doc.add_binding(WORK_BINDING, 0)
        await gw.save_config(doc.render(), base_hash=source.base_hash)
    data = path.read_bytes().decode("utf-8")
    assert data == text.replace("bindings: [ ", 'bindings: [ { agentId: "work", match: { channel: '
                                '"whatsapp", accountId: "personal" } }, ', 1)


async def test_two_saves_from_the_same_text_one_wins(tmp_path, env):
    path = tmp_path / "clawdbot.json"
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        source = await gw.config_source()
        first, second = ConfigDocument.from_source(source), ConfigDocument.from_source(source)
        first.add_binding(WORK_BINDING)
        second.set_default_agent("work")
        outcome: list[str] = []

        async def save(doc: ConfigDocument) -> None:
            try:
                await gw.save_config(doc.render(), base_hash=source.base_hash)
                outcome.append(doc.render())
            except ConfigChangedOnDisk:
                outcome.append("refused")

        async with anyio.create_task_group() as tg:
            tg.start_soon(save, first)
            tg.start_soon(save, second)
        assert outcome.count("refused") == 1
        assert path.read_text() == next(o for o in outcome if o != "refused")


async def test_a_config_file_swapped_for_a_fifo_is_an_error_naming_it_never_a_hang(tmp_path, env):
    path = tmp_path / "clawdbot.json"
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        source = await gw.config_source()
        path.unlink()
        os.mkfifo(path)
        with anyio.fail_after(10), pytest.raises(ConfigError) as info:
            await gw.config_source()
        assert str(info.value) == f"{path}: is a FIFO, not a regular file"
        with anyio.fail_after(10), pytest.raises(ConfigChangedOnDisk):
            await gw.save_config(source.raw, base_hash=source.base_hash)
        assert stat.S_ISFIFO(os.lstat(path).st_mode) and gw.config is config
