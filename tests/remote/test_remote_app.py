"""The app attached to a gateway (``RemoteEngine``), driven with Pilot over the loopback fake
gateway: the same panes, keys, history, explanations and routing editor as over the embedded
one, with the gateway's runs in the runs panel."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from engine.api import EngineAPI
from engine.remote.connection import Auth
from engine.remote.engine import RemoteEngine
from tests.remote.fake_gateway_app import AppFakeGateway
from tests.support.tui_app import fixed_time, type_text, wait_for
from tui.app import ClawApp

A2A_KEY = "agent:research:a2a:default:direct:tester:ctx-1"


@asynccontextmanager
async def attached(tmp_path: Path, fake: AppFakeGateway, *, size: tuple[int, int] = (160, 48),
                   **engine_options: Any) -> AsyncIterator[tuple[ClawApp, object]]:
    """The app over a ``RemoteEngine`` attached to ``fake`` (``engine_options``: its own,
    such as ``tls_pin``)."""
    state = tmp_path / "state"
    engine = RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=state,
                          connect_budget=5, **engine_options)
    async with engine:
        app = ClawApp(engine, state_dir=state, format_time=fixed_time, clone_refresh=0)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            yield app, pilot


def pane(app: ClawApp, key: str):
    found = app.main.pane_for(key)
    assert found is not None, [p.inbox.key for p in app.main.panes]
    return found


def shown(p) -> list[tuple[str, str, str]]:
    return [(m.role, m.content, m.status) for m in p.history.messages]


async def typed(pilot, p, text: str) -> None:  # type: ignore[no-untyped-def]
    """``text`` typed into pane ``p``'s text box and sent with Enter, as a user does."""
    p.focus_composer()
    await type_text(pilot, text)
    await pilot.press("enter")


async def live_until_reply(pilot, p) -> list[str]:  # type: ignore[no-untyped-def]
    """Each live text pane ``p`` shows until a reply is in its history."""
    seen: list[str] = []

    def replied() -> bool:
        if p.live_text:
            seen.append(p.live_text)
        return any(m.role == "assistant" for m in p.history.messages)

    await wait_for(pilot, replied, what="the reply")
    return seen


async def test_remote_engine_is_the_engine_interface(tmp_path):
    async with AppFakeGateway() as fake:
        engine = RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                              connect_budget=5)
        assert isinstance(engine, EngineAPI)
        async with engine:
            assert [ib.label for ib in engine.inboxes] == ["a2a · default (connected)",
                                                           "local · you"]


async def test_panes_send_and_stream_in_a_pane(tmp_path):
    async with AppFakeGateway() as fake:
        fake.replies["hello"] = "alpha beta gamma"
        fake.late_delta = True
        async with attached(tmp_path, fake) as (app, pilot):
            assert [p.inbox.label for p in app.main.panes] == ["a2a · default (connected)",
                                                               "local · you"]
            assert "gateway ws://127.0.0.1" in app.sub_title
            operator = pane(app, "local:default")
            await typed(pilot, operator, "hello")
            await wait_for(pilot, lambda: ("assistant", "alpha beta gamma", "complete")
                           in shown(operator), what="the reply")
            assert shown(operator) == [("user", "hello", "complete"),
                                       ("assistant", "alpha beta gamma", "complete")]
            await pilot.pause(0.3)  # the late delta came and went: nothing runs here
            assert operator.turn_state() == "idle" and not operator.turns
            send = [p for m, p in fake.requests if m == "chat.send"]
            assert send[0]["sessionKey"] == "agent:main:main" and send[0]["idempotencyKey"]
            assert "queueMode" not in send[0]  # the gateway's own mode for the session
            # the runs panel: the run, its agent, session and tokens
            panel = app.main.clone_panel()
            assert panel.border_title == "Runs"
            run = send[0]["idempotencyKey"]
            assert panel.cell_text(run, "agent") == "main"
            assert panel.cell_text(run, "state") == "done"
            assert panel.cell_text(run, "tokens") == "7/3"
            # F8 in the pane: its messages carry that queue mode
            await pilot.press("f8")
            assert app.gateway.queue_mode("local:default") == "interrupt"
            await type_text(pilot, "hello")
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(shown(operator)) == 4, what="the second reply")
            assert [p for m, p in fake.requests if m == "chat.send"][1]["queueMode"] == \
                "interrupt"
            # history comes back from chat.history, the same rows once
            operator.reload_history()
            await wait_for(pilot, lambda: len(shown(operator)) == 4, what="history")
            await pilot.pause(0.2)
            assert shown(operator)[-1] == ("assistant", "alpha beta gamma", "complete")


async def test_esc_aborts_the_run_and_the_reply_shows_interrupted(tmp_path):
    async with AppFakeGateway() as fake:
        fake.replies["talk"] = " ".join(["more"] * 400)
        fake.chunk_delay = 0.05
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "talk")
            await wait_for(pilot, lambda: "more more" in operator.live_text, what="streaming")
            await pilot.press("escape")
            await wait_for(pilot, lambda: any(s == "interrupted" for _, _, s in shown(operator)),
                           what="the interrupted reply")
            aborts = [p for m, p in fake.requests if m == "chat.abort"]
            assert aborts and aborts[0]["sessionKey"] == "agent:main:main" and aborts[0]["runId"]
            assert fake.aborted == [aborts[0]["runId"]]
            reply = operator.history.messages[-1]
            assert reply.content.startswith("more more") and reply.status == "interrupted"
            assert "interrupted" in (operator.notice or "")
            run = app.main.clone_panel()
            assert run.cell_text(aborts[0]["runId"], "state") == "interrupted"
            assert run.cell_text(aborts[0]["runId"], "interrupt").startswith("yes")
            detail = run.detail_text(aborts[0]["runId"])
            assert "session: agent:main:main" in detail and "aborted: user" in detail


async def test_a_channel_message_arrives_live_in_its_account_pane_with_its_route(tmp_path):
    async with AppFakeGateway() as fake:
        fake.replies["ping from a peer"] = "research says hi"
        async with attached(tmp_path, fake) as (app, pilot):
            a2a = pane(app, "a2a:default")
            app.main.focus_pane(pane(app, "local:default"))
            await wait_for(pilot, lambda: not a2a.has_focus_within, what="focus elsewhere")
            await fake.inbound(A2A_KEY, "ping from a peer")
            await wait_for(pilot, lambda: ("assistant", "research says hi", "complete")
                           in shown(a2a), what="the inbound exchange")
            assert shown(a2a) == [("user", "ping from a peer", "complete"),
                                  ("assistant", "research says hi", "complete")]
            reply = a2a.history.messages[-1]
            assert reply.author == "research"
            assert reply.meta["matched_by"] == "binding.channel"  # accountId "*"
            assert reply.session_key == A2A_KEY
            assert a2a.unseen == 1  # the activity marker, as for embedded traffic
            assert a2a.route is not None and a2a.route.session_key == A2A_KEY
            # F3: our router's explanation over the gateway's config
            explanation = app.gateway.explain(a2a.inbox.key, a2a.peer)
            assert explanation.agent_id == "research" and explanation.binding_index == 0
            app.main.focus_pane(a2a)
            await pilot.press("alt+up", "f3")
            await wait_for(pilot, lambda: "winning binding: bindings[0]" in app.screen_text(),
                           what="the explanation")
            text = app.screen_text()
            assert "→ agent research · binding.channel" in text and "MATCHED" in text
            await pilot.press("escape")
            assert pane(app, "local:default").history.messages == []


async def test_reconnect_shows_no_message_twice_and_a_banner_while_down(tmp_path):
    async with AppFakeGateway() as fake:
        fake.replies["first"] = "one"
        fake.replies["second"] = "two"
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "first")
            await wait_for(pilot, lambda: len(shown(operator)) == 2, what="the first reply")
            peer = await fake.wait_peer()
            await fake.cut(peer)
            await wait_for(pilot, lambda: app.main.banner_text() is not None, what="a banner")
            assert "retrying" in app.main.banner_text()
            # while this client is away, the session gains an exchange it must fetch
            fake.add_message("agent:main:main", "user", "from elsewhere")
            fake.add_message("agent:main:main", "assistant", "answered elsewhere")
            # and its config changes (a2a now goes to main): routed with once back
            fake.config_raw = fake.config_raw.replace('agentId: "research"', 'agentId: "main"')
            await fake.wait_peer(1)
            await wait_for(pilot, lambda: len(shown(operator)) == 4, what="the missed messages")
            await wait_for(pilot, lambda: app.main.banner_text() is None, what="no banner")
            await wait_for(pilot, lambda: pane(app, "a2a:default").route.agent_id == "main",
                           what="the new config routing")
            await type_text(pilot, "second")
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(shown(operator)) == 6, what="the second reply")
            await pilot.pause(0.3)
            assert [c for _, c, _ in shown(operator)] == [
                "first", "one", "from elsewhere", "answered elsewhere", "second", "two"]


async def test_wrong_token_after_a_restart_is_a_banner_in_the_app(tmp_path):
    async with AppFakeGateway() as fake:
        async with attached(tmp_path, fake) as (app, pilot):
            fake.token = "rotated"
            fake.device_tokens.clear()
            await fake.cut(await fake.wait_peer())
            await wait_for(pilot, lambda: "gateway token is wrong" in (app.main.banner_text()
                                                                       or ""),
                           timeout=20, what="the auth banner")
            assert "AUTH_TOKEN_MISMATCH" in app.main.banner_text()
            assert "secret-token" not in app.main.banner_text()


async def test_f4_picks_a_session_of_the_account_from_the_gateway(tmp_path):
    async with AppFakeGateway() as fake:
        fake.add_message(A2A_KEY, "user", "an older question")
        fake.add_message(A2A_KEY, "assistant", "an older answer")
        other = "agent:research:a2a:default:direct:tester:ctx-2"
        fake.add_message(other, "user", "another context")
        async with attached(tmp_path, fake) as (app, pilot):
            from tui.screens.sessions import SessionsScreen

            a2a = pane(app, "a2a:default")
            app.main.focus_pane(a2a)
            await pilot.press("f4")
            await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen)
                           and len(app.screen.rows) == 2, what="the session list")
            text = app.screen_text()
            assert "direct:tester:ctx-1 · research" in text and "an older answer" in text
            assert "direct:tester:ctx-2 · research" in text and "another context" in text
            index = [r.session_key for r in app.screen.rows].index(A2A_KEY)
            app.screen.query_one("OptionList").highlighted = index
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(shown(a2a)) == 2, what="its history")
            assert shown(a2a) == [("user", "an older question", "complete"),
                                  ("assistant", "an older answer", "complete")]
            assert a2a.route.session_key == A2A_KEY
            assert a2a.history.messages[-1].meta["matched_by"] == "binding.channel"


async def test_routing_editor_saves_with_config_patch_and_refuses_a_stale_hash(tmp_path):
    from tui.screens.dialogs import ChoiceScreen
    from tui.screens.routing_editor import RoutingEditor

    async with AppFakeGateway() as fake:
        async with attached(tmp_path, fake) as (app, pilot):
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="editor")
            editor = app.screen
            assert editor.table.row_count == 1
            await pilot.press("c")  # duplicate binding #0: lint flags it, locally
            await pilot.pause(0.05)
            assert "shadowed-binding" in app.screen_text()
            await pilot.press("slash")  # the "try it" line runs our router, locally
            await type_text(pilot, "a2a:default peer=direct:tester")
            await pilot.pause(0.05)
            assert "→ research · binding.channel" in str(editor.query_one("#try-result").render())
            await pilot.press("escape")
            base = fake.config_hash
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: fake.config_hash != base, what="config.patch")
            patch = [p for m, p in fake.requests if m == "config.patch"][-1]
            assert patch["baseHash"] == base and patch["replacePaths"] == ["bindings"]
            assert "// the gateway's own file" in fake.config_raw  # comments kept
            assert fake.config_raw.count('agentId: "research"') == 2
            # someone else changes the config: the next save is refused, nothing written
            await pilot.press("x")  # delete the duplicate (unsaved)
            await pilot.pause(0.05)
            fake.config_raw = fake.config_raw.replace('name: "Main"', 'name: "Main Desk"')
            elsewhere = fake.config_raw
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen),
                           what="the changed-on-disk dialog")
            assert "changed on disk" in app.screen_text()
            assert fake.config_raw == elsewhere
            await pilot.press("r")  # reload: the gateway's text as it is now
            await wait_for(pilot, lambda: app.screen is editor and
                           editor.doc.render() == elsewhere, what="reloaded")
            assert editor.table.row_count == 2 and not editor.doc.dirty


async def test_cli_wrong_token_missing_scope_and_unreachable_are_one_line_and_exit_2(tmp_path):
    import asyncio

    from tests.support.binary import claw_tui
    from tests.support.odd_files import hermetic_env
    from tests.support.openai_server import refused_port

    async with AppFakeGateway() as fake:
        env = hermetic_env(tmp_path) | {"OPENCLAW_GATEWAY_TOKEN": "not-the-token"}
        done = await asyncio.to_thread(claw_tui, "--gateway", fake.url, env=env)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert "gateway token is wrong" in done.stderr and "not-the-token" not in done.stderr
        fake.answers["config.get"] = {"code": "INVALID_REQUEST",
                                      "message": "missing scope: operator.admin",
                                      "details": {"code": "MISSING_SCOPE",
                                                  "missingScope": "operator.admin"}}
        env["OPENCLAW_GATEWAY_TOKEN"] = fake.token
        done = await asyncio.to_thread(claw_tui, "--gateway", fake.url, env=env)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
    assert "config.get needs the operator scope operator.admin" in done.stderr
    done = await asyncio.to_thread(claw_tui, "--gateway", f"ws://127.0.0.1:{refused_port()}",
                                   env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("claw-tui: cannot reach the gateway at ws://127.0.0.1:")
    assert done.stderr.count("\n") == 1
    done = await asyncio.to_thread(claw_tui, "--gateway", "http://example.invalid", env=env)
    assert done.returncode == 2 and "must start with ws:// or wss://" in done.stderr


async def test_history_pages_back_through_chat_history(tmp_path):
    async with AppFakeGateway() as fake:
        for i in range(1, 451):
            fake.add_message("agent:main:main", "user" if i % 2 else "assistant", f"m{i}")
        async with RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                connect_budget=5) as engine:
            newest = await engine.history("main", "agent:main:main")
            assert [m.seq for m in newest] == list(range(251, 451))
            older = await engine.history("main", "agent:main:main", before_seq=251)
            assert [m.seq for m in older] == list(range(51, 251))
            oldest = await engine.history("main", "agent:main:main", before_seq=51)
            assert [m.content for m in oldest] == [f"m{i}" for i in range(1, 51)]
            pages = [p for m, p in fake.requests if m == "chat.history"][-3:]
            assert [p.get("offset", 0) for p in pages] == [0, 200, 400]


async def test_search_finds_messages_in_the_gateways_sessions(tmp_path):
    from engine.store.search import SNIPPET_END, SNIPPET_START

    async with AppFakeGateway() as fake:
        fake.add_message(A2A_KEY, "user", "where is the blue notebook")
        fake.add_message("agent:main:main", "user", "nothing to see")
        async with RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                connect_budget=5) as engine:
            hits = await engine.search("Blue")
            assert [(h.agent_id, h.message.session_key) for h in hits] == [("research", A2A_KEY)]
            assert f"{SNIPPET_START}blue{SNIPPET_END}" in hits[0].snippet
            assert await engine.search("blue", agent_id="main") == []


async def test_export_writes_the_whole_session_read_from_chat_history(tmp_path):
    async with AppFakeGateway() as fake:
        for i in range(1, 451):
            fake.add_message("agent:main:main", "user" if i % 2 else "assistant", f"line {i}")
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "/export")
            await wait_for(pilot, lambda: (operator.notice or "").startswith("exported to"),
                           what="the export")
            path = Path(operator.notice.removeprefix("exported to "))
            text = path.read_text()
            assert path.parent == tmp_path / "state" / "exports" and path.suffix == ".md"
            assert "line 1\n" in text and "line 450" in text and text.count("line ") == 450
            assert "- Agent: main" in text and (path.stat().st_mode & 0o777) == 0o600


async def test_key_bar_and_help_name_what_f4_and_f5_do_on_a_gateway(tmp_path):
    from tui.screens.help import HelpScreen
    from tui.screens.sessions import SessionsScreen

    async with AppFakeGateway() as fake:
        async with attached(tmp_path, fake, size=(80, 24)) as (app, pilot):
            bar = app.main.query_one("KeyBar")
            await wait_for(pilot, lambda: {"f4", "f5"} <= {h.display for h in bar.shown_hints()},
                           what="F4 and F5 in the key bar")
            words = {h.id: h.description for h in bar.shown_hints()}
            assert words["main.peer"] == "Session" and words["main.toggle_clones"] == "Runs"
            footer = app.screen_text().splitlines()[-1]
            assert "f4 Session" in footer and "f5 Runs" in footer
            assert "Peer" not in footer and "Clones" not in footer
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            table = app.screen.query_one("#help-table")
            rows = {str(table.get_row_at(i)[3]): str(table.get_row_at(i)[2])
                    for i in range(table.row_count)}
            assert rows["main.peer"] == "Choose one of the focused account's sessions on the " \
                                        "gateway"
            assert rows["main.toggle_clones"] == "Show or hide the runs panel (the gateway's " \
                                                 "agent runs)"
            await pilot.press("escape")
            await pilot.press("f4")  # the same binding id still does the gateway's thing
            await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen),
                           what="the session list")


async def test_an_event_that_cannot_be_shown_is_logged_without_its_body(tmp_path, monkeypatch,
                                                                         caplog):
    import asyncio

    from engine.remote import events as ev

    def refuse(self, event):
        if isinstance(event, ev.ChatDelta):
            raise RuntimeError("cannot show it")

    monkeypatch.setattr(RemoteEngine, "_on_event", refuse)
    async with AppFakeGateway() as fake:
        async with RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                connect_budget=5):
            await fake.event(fake.peers[0], "chat", {
                "state": "delta", "sessionKey": "agent:main:main\x1b[2J", "runId": "run-1",
                "deltaText": "the body: sk-secret-123 " + "x" * 5000})
            for _ in range(200):
                if "gateway event not shown" in caplog.text:
                    break
                await asyncio.sleep(0.02)
    (line,) = [r.getMessage() for r in caplog.records if "event not shown" in r.getMessage()]
    assert "ChatDelta" in line and "run_id=run-1" in line and "agent:main:main" in line
    assert "sk-secret" not in line and "\x1b" not in line and len(line) < 400


async def test_a_reply_another_client_started_names_its_agent_while_it_streams(tmp_path):
    async with AppFakeGateway() as fake:
        fake.replies["a long one"] = " ".join(["words"] * 400)
        fake.chunk_delay = 0.05
        async with attached(tmp_path, fake) as (app, pilot):
            a2a = pane(app, "a2a:default")
            await fake.inbound(A2A_KEY, "a long one")
            await wait_for(pilot, lambda: "words words" in a2a.live_text, what="streaming")
            assert "research is replying…" in app.screen_text()


def _split_message(fake, key: str, n: int) -> None:
    """An assistant message paged as two rows with one id and seq (its text, then its calls),
    as OpenClaw 2026.9.6 pages a reply that called tools."""
    text = fake.add_message(key, "assistant", f"m{n}")
    calls = {"role": "assistant", "stopReason": "toolUse", "content": [
        {"type": "toolCall", "id": f"call-{n}", "name": "read", "arguments": {}}]}
    calls["__openclaw"] = dict(text["__openclaw"])
    fake.transcripts[key].append(calls)


async def test_paging_back_over_split_rows_and_seq_gaps_skips_and_repeats_nothing(tmp_path):
    """The gateway pages by rows from the newest; a message split over two rows, or a gap in
    the seqs, made the offset worked out from seqs miss. Every message comes once, in order,
    page after page, back to the first."""
    key = "agent:main:main"
    async with AppFakeGateway() as fake:
        for i in range(1, 451):
            if i % 3 == 0:
                _split_message(fake, key, i)
            else:
                fake.add_message(key, "user" if i % 2 else "assistant", f"m{i}")
        rows = fake.transcripts[key]
        for row in rows[rows.index(next(r for r in rows if r["__openclaw"]["seq"] == 121)):]:
            row["__openclaw"]["seq"] += 7  # a gap of 7 after seq 120
        async with RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                connect_budget=5) as engine:
            seen: list[int] = []
            page = await engine.history("main", key, limit=100)
            while page:
                seen[:0] = [m.seq for m in page]
                page = await engine.history("main", key, before_seq=page[0].seq, limit=100)
            plain = [r["__openclaw"]["seq"] for r in rows if "stopReason" not in r
                     and sum(1 for o in rows if o["__openclaw"]["seq"] == r["__openclaw"]["seq"]) == 1]
            assert seen == sorted(set(seen))  # in order, none twice
            assert set(plain) <= set(seen) and seen[0] == 1  # none skipped, back to the first
            expected = sorted({r["__openclaw"]["seq"] for r in rows})
            reads = [m for m, _ in fake.requests if m == "chat.history"]
            assert len(reads) <= 4 * (len(expected) // 100 + 2)
