"""``bench/attach.py`` runs end to end in a tiny configuration: the installed app attaches to
the loopback fake gateway on a pseudo-terminal, shows its panes, and every session's streamed
replies reach the screen. Figures are printed by the bench, not checked here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import attach  # noqa: E402


def test_streamed_replies_reach_the_attached_apps_screen():
    r = attach.bench_stream(16, 60, words=4, chunk_delay=0.005, sample_every=8)
    assert r["replies"] == 16 and r["deltas"] == 64
    assert r["last_words_shown"] == len(attach.session_keys())  # every pane's last reply
    assert 0 < r["shown"] <= r["deltas"] and r["p99"] >= r["p50"] > 0
    assert [n for n, _ in r["rss"]][:1] == [0] and all(mb > 0 for _, mb in r["rss"])


def test_attach_time_rounds_start_all_three_apps():
    r = attach.bench_attach_time(1, sessions=5)
    assert set(r["wall_ms"]) == {"bare", "embedded", "attach"}
    assert all(median > 0 for median, _, _ in r["wall_ms"].values())
