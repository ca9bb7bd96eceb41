"""Activity elsewhere: which replies and errors call for attention (``tui.hotlist``), the
bell and desktop notifications written for them (``tui.terminal_alert``), ``tui.notify`` in
the config, and the app ringing for a pane you are not looking at."""

from __future__ import annotations

import re

import pytest

from engine.config.loader import load_config_text
from engine.config.model import NotifyConfig
from engine.errors import ConfigError
from engine.gateway.inbox import PeerSpec
from tests.support.tui_app import CONFIG_TEXT, running_app, wait_for
from tui import hotlist
from tui.hotlist import Notice
from tui.terminal_alert import Alerter, desktop_sequence, protocol

HOSTILE = "ok \x1b]52;c;cGF3bmVk\x07 \x9b31m \x1b\\ done; really"


def test_a_reply_mentions_you_when_it_names_your_peer_or_a_word() -> None:
    alice = PeerSpec(kind="direct", id="+15550001", display_name="Alice")
    names = hotlist.mention_names(alice, ["kiwi", " ", "k"])
    assert names == ["Alice", "+15550001", "kiwi"]
    assert hotlist.reply_kinds("thanks ALICE!", names) == {"message", "mention"}
    assert hotlist.reply_kinds("call +15550001 now", names) == {"message", "mention"}
    assert hotlist.reply_kinds("Kiwi season", names) == {"message", "mention"}
    assert hotlist.reply_kinds("kiwis and malice", names) == {"message"}  # whole words only
    assert hotlist.mention_names(PeerSpec(), []) == []  # "you", a pane with no peer chosen
    group = PeerSpec(kind="group", id="team-room", display_name=None)
    assert hotlist.mention_names(group, []) == []
    assert hotlist.top({"message", "mention"}) == "mention"
    assert hotlist.top({"error", "mention"}) == "error"


def test_only_chosen_kinds_notify_and_only_where_you_are_not_looking() -> None:
    rules = NotifyConfig(bell=True, panes={"slack:acme": ("error",), "local:default": ()})
    assert hotlist.wanted(rules, "whatsapp:personal", {"message", "mention"}, looking=False)
    assert not hotlist.wanted(rules, "whatsapp:personal", {"message", "mention"}, looking=True)
    assert not hotlist.wanted(rules, "whatsapp:personal", {"message"}, looking=False)
    assert not hotlist.wanted(rules, "slack:acme", {"message", "mention"}, looking=False)
    assert hotlist.wanted(rules, "slack:acme", {"error"}, looking=False)
    assert not hotlist.wanted(rules, "local:default", {"error"}, looking=False)
    by_peer = NotifyConfig(bell=True, on=("error",), panes={"slack:acme": ("error",)},
                           peers={"direct:boss": ("message",), "group:noisy": ()})
    assert hotlist.wanted(by_peer, "slack:acme", {"message"}, looking=False, peer="direct:boss")
    assert not hotlist.wanted(by_peer, "slack:acme", {"message"}, looking=False, peer="direct:x")
    assert not hotlist.wanted(by_peer, "x:y", {"error"}, looking=False, peer="group:noisy")
    assert hotlist.peer_key(PeerSpec(kind="dm", id=" boss ")) == "direct:boss"
    off = NotifyConfig()  # the default: neither bell nor desktop
    assert not hotlist.wanted(off, "whatsapp:personal", {"error"}, looking=False)
    assert hotlist.wanted(NotifyConfig(desktop="osc9", on=("message",)), "x:y", {"message"},
                          looking=False)


def _payload_is_clean(seq: str, start: str, end: str = "\x07") -> str:
    assert seq.startswith(start) and seq.endswith(end)
    payload = seq[len(start):-len(end)]
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", payload), repr(payload)
    return payload


def test_desktop_notifications_carry_no_escape_codes_from_model_text() -> None:
    notice = Notice.of("mention", "whatsapp · personal", "home", HOSTILE)
    nine = _payload_is_clean(desktop_sequence(notice, "osc9", tmux=False), "\x1b]9;")
    assert nine.startswith("claw-tui · whatsapp · personal: home mentioned you: ok ␛]52")
    seven = _payload_is_clean(desktop_sequence(notice, "osc777", tmux=False), "\x1b]777;")
    _notify, title, body = seven.split(";", 2)
    assert (_notify, title) == ("notify", "claw-tui · whatsapp · personal")
    assert "done; really" in body  # the body is the last field: its ";" is kept
    title_semicolon = Notice("a;b", "c")
    assert desktop_sequence(title_semicolon, "osc777", tmux=False) == "\x1b]777;notify;a,b;c\x07"


def test_inside_tmux_the_sequence_is_wrapped_for_passthrough() -> None:
    seq = desktop_sequence(Notice("t", "b"), "osc9", tmux=True)
    assert seq == "\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\"


def test_auto_picks_osc_777_where_the_terminal_takes_it() -> None:
    assert protocol("auto", {"TERM": "foot"}) == "osc777"
    assert protocol("auto", {"TERM": "xterm-256color", "VTE_VERSION": "7200"}) == "osc777"
    assert protocol("auto", {"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}) == "osc9"
    assert protocol("osc777", {}) == "osc777" and protocol("off", {"TERM": "foot"}) is None


def test_the_alerter_rings_once_per_pane_for_a_burst() -> None:
    rang: list[int] = []
    written: list[str] = []
    now = [100.0]
    alerter = Alerter(NotifyConfig(bell=True, desktop="osc9"), {"TMUX": ""},
                      bell=lambda: rang.append(1), write=lambda t: written.append(t) or True,
                      clock=lambda: now[0])
    assert alerter.alert("a:b", Notice("t", "one"))
    assert not alerter.alert("a:b", Notice("t", "two"))  # the same burst
    assert alerter.alert("c:d", Notice("t", "other pane"))
    now[0] += 5
    assert alerter.alert("a:b", Notice("t", "three"))
    assert len(rang) == 3 and [w.split(": ")[-1] for w in written] == ["one\x07", "other pane\x07",
                                                                        "three\x07"]


def test_tui_notify_in_the_config_with_located_errors() -> None:
    config = load_config_text('{ tui: { notify: { bell: true, desktop: true, on: ["message"], '
                              'words: ["kiwi"], panes: { "Slack:acme": ["error"] }, '
                              'peers: { "dm:+1555": ["mention"] } } } }')
    notify = config.tui.notify
    assert (notify.bell, notify.desktop, notify.on, notify.words) == (True, "auto", ("message",),
                                                                       ("kiwi",))
    assert dict(notify.panes) == {"slack:acme": ("error",)}
    assert dict(notify.peers) == {"direct:+1555": ("mention",)}
    assert load_config_text("{}").tui.notify == NotifyConfig(bell=False, desktop="off",
                                                            on=("error", "mention"))
    with pytest.raises(ConfigError) as caught:
        load_config_text('{\n  tui: { notify: { bell: "yes", desktop: "popup",\n'
                         '    on: ["loud"], words: "kiwi", panes: { x: "error" } } },\n}')
    assert [(p.path, p.line) for p in caught.value.problems] == [
        ("tui.notify.bell", 2), ("tui.notify.desktop", 2), ("tui.notify.on[0]", 3),
        ("tui.notify.words", 3), ("tui.notify.panes.x", 3)]
    assert 'unknown value "popup" (expected one of: off, auto, osc9, osc777)' in str(caught.value)


NOTIFYING = CONFIG_TEXT.replace(
    "  tools:", '  tui: { notify: { bell: true, desktop: "osc9", words: ["kiwi"] } },\n  tools:')


async def test_a_mention_in_a_pane_you_are_not_looking_at_rings_and_notifies(tmp_path) -> None:
    rang: list[int] = []
    written: list[str] = []
    async with running_app(tmp_path, text=NOTIFYING) as (app, pilot):
        app.bell = lambda: rang.append(1)
        app.write_terminal = lambda text: written.append(text) or True
        whatsapp, slack, local = app.main.panes
        app.main.focus_pane(whatsapp)
        await pilot.pause()
        await slack.submit("just saying hello")  # a message: not in tui.notify.on
        await wait_for(pilot, lambda: slack.unseen == 1, what="the first reply")
        assert (rang, written, slack.mentions) == ([], [], 0)
        await slack.submit(f"any kiwi left? {HOSTILE}")  # the persona repeats it: a mention
        await wait_for(pilot, lambda: slack.mentions == 1, what="the mention")
        await wait_for(pilot, lambda: written, what="the notification")
        assert rang == [1]
        payload = _payload_is_clean(written[0], "\x1b]9;")
        assert payload.startswith("claw-tui · slack · acme: work mentioned you: work here.")
        await pilot.pause(0.05)
        assert "2 slack · acme @1 ●2" in app.screen_text()
        await local.submit("hello")
        await wait_for(pilot, lambda: local.unseen == 1, what="a plain reply elsewhere")
        await whatsapp.submit("kiwi for me?")  # the pane you are looking at: no alert
        await wait_for(pilot, lambda: not whatsapp.turns and len(whatsapp.history.messages) == 2,
                       what="reply in the focused pane")
        assert rang == [1] and len(written) == 1
        await pilot.press("alt+a")  # the mention first, though local's reply came later too
        assert app.main.focused_pane is slack and slack.mentions == 0


async def test_off_by_default(tmp_path) -> None:
    written: list[str] = []
    rang: list[int] = []
    async with running_app(tmp_path) as (app, pilot):
        app.bell = lambda: rang.append(1)
        app.write_terminal = lambda text: written.append(text) or True
        whatsapp, slack, _local = app.main.panes
        app.main.focus_pane(whatsapp)
        await slack.submit("hello")
        await wait_for(pilot, lambda: slack.unseen == 1, what="reply")
        assert app.alert(slack.inbox, frozenset({"error"}), "work", "boom", looking=False) is False
    assert (written, rang) == ([], [])


def test_escape_codes_and_regex_characters_in_words_and_names_stay_literal() -> None:
    """``tui.notify.words`` and a peer's display name are matched as plain text (a word like
    ``a.*`` is no pattern), and what a match raises is a clean one-line notice."""
    evil = "\x1b]52;c;cGF3bmVk\x07"
    peer = PeerSpec(kind="direct", id="+15550001", display_name=f"Eve{evil}")
    names = hotlist.mention_names(peer, ["a.*", "(x+)+$", f"kiwi{evil}"])
    assert hotlist.reply_kinds("anything at all", names) == {"message"}
    assert hotlist.reply_kinds("x" * 5000 + "y", names) == {"message"}  # no runaway pattern
    assert hotlist.reply_kinds("call a.* now", names) == {"message", "mention"}
    assert hotlist.reply_kinds(f"hi Eve{evil}!", names) == {"message", "mention"}
    notice = Notice.of("mention", f"pane{evil}", f"Eve{evil}", f"about kiwi{evil}\nand more")
    for line in (notice.title, notice.body):
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", line)
    for proto in ("osc9", "osc777"):
        seq = desktop_sequence(notice, proto, tmux=False)
        assert seq.count("\x1b") == 1 and seq.count("\x07") == 1 and seq.endswith("\x07")
