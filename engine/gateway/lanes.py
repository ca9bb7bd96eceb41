"""Session lanes: the order pane turns run in, and everything that stops them.

One lane per session key: its head turn runs (in a worker task of its own), later turns wait in
order — ``followup`` — or stop the running one — ``interrupt``. A queued turn that is dropped
(Esc on it, ``interrupt`` mode, shutdown) ends at once with ``TurnInterrupted``; its message is
still stored, right after the reply of the turn that was running, so the session reads in the
order things were typed. Running a lane's head is the lifecycle's job
(``engine.gateway.lifecycle``); this module decides when and whether.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from engine.errors import ClawError
from engine.gateway.deferred import events, turns
from engine.gateway.snapshot import LiveTurn

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from engine.gateway.inbox import PeerSpec
    from engine.gateway.lifecycle import TurnRunner
    from engine.gateway.publisher import Publisher
    from engine.store.registry import StoreRegistry


class SessionLanes:
    """Accepted pane turns, by session key and by id, until each has settled."""

    def __init__(self, publisher: Publisher, runner: TurnRunner, stores: StoreRegistry) -> None:
        self._events = publisher
        self._runner = runner
        self._stores = stores
        self._lanes: dict[str, turns.Lane] = {}
        self._turns: dict[str, turns.Turn] = {}  # accepted, not yet settled
        self._pane_lane: dict[tuple[str, PeerSpec], str] = {}  # last session key per pane+peer

    # -- queueing ----------------------------------------------------------------------------
    def enqueue(self, turn: turns.Turn, tg: TaskGroup, *, supersede: bool) -> None:
        """Start ``turn`` in its own lane, or queue it behind the lane's turns; ``supersede``
        (queue mode ``interrupt``) first drops the queued ones and stops the running one."""
        rec = turn.clone
        self._turns[turn.turn_id] = turn
        self._pane_lane[(turn.inbox_key, turn.peer)] = turn.session_key
        lane = self._lanes.get(turn.session_key)
        if lane is None:
            lane = self._lanes[turn.session_key] = turns.Lane(turn.session_key)
            lane.head = turn
            tg.start_soon(self._worker, lane, name=f"lane:{turn.session_key}")
            return
        if supersede:
            for queued in list(lane.waiting):
                self._drop(lane, queued, "superseded")
            if lane.head is not None:
                lane.head.scope.request("superseded")
                self._events.clone_changed(lane.head.clone)
        lane.waiting.append(turn)
        turn.state = "queued"
        rec.queued += 1
        self._events.emit(events.TurnQueued, inbox_key=turn.inbox_key,
                          turn_id=turn.turn_id, session_key=turn.session_key,
                          agent_id=turn.agent_id, clone_id=rec.clone_id,
                          position=len(lane.waiting))

    async def _worker(self, lane: turns.Lane) -> None:
        while lane.head is not None:
            turn = lane.head
            turn.state = "running"
            try:
                await self._runner.run_queued(turn)
            finally:
                self._end(turn)
                if lane.dropped:
                    with anyio.CancelScope(shield=True):
                        await self._store_dropped(lane)
                if lane.waiting:
                    lane.head = lane.waiting.popleft()
                    lane.head.clone.queued -= 1
                else:
                    lane.head = None
                    del self._lanes[lane.key]

    # -- stopping ----------------------------------------------------------------------------
    def pane_session(self, inbox_key: str, peer: PeerSpec) -> str | None:
        """The session key of this pane+peer's live lane, if it has one."""
        key = self._pane_lane.get((inbox_key, peer))
        return key if key is not None and key in self._lanes else None

    def interrupt(self, session_key: str, reason: str, *, drop_queued: bool) -> bool:
        """Stop the session's running turn (and drop its queued ones when asked)."""
        lane = self._lanes.get(session_key)
        if lane is None:
            return False
        hit = False
        if drop_queued:
            for queued in list(lane.waiting):
                hit = self._drop(lane, queued, "dropped") or hit
        if lane.head is not None:
            hit = lane.head.scope.request(reason) or hit
            self._events.clone_changed(lane.head.clone)
        return hit

    def interrupt_turn(self, turn_id: str, reason: str) -> bool:
        """Stop one turn by id (running: interrupted; queued: dropped)."""
        turn = self._turns.get(turn_id)
        if turn is None:
            return False
        lane = self._lanes.get(turn.session_key)
        if lane is not None and turn in lane.waiting:
            return self._drop(lane, turn, reason)
        hit = turn.scope.request(reason)
        self._events.clone_changed(turn.clone)
        return hit

    def session_state(self, session_key: str) -> str | None:
        """None (no turn), "queued", "running" (no text yet) or "streaming"."""
        lane = self._lanes.get(session_key)
        if lane is None or lane.head is None:
            return None
        head = lane.head
        return head.clone.running.get(head.turn_id) or "queued"

    def live_turns(self) -> list[LiveTurn]:
        """The accepted turns whose final event has not gone out, oldest first."""
        return [LiveTurn(turn.turn_id, turn.inbox_key, turn.session_key, turn.agent_id,
                         turn.clone.running.get(turn.turn_id) or "queued",
                         "".join(turn.reply), tuple(dict(c) for c in turn.tools))
                for turn in self._turns.values() if turn.final is None]

    def shut_down(self) -> None:
        """Drop every queued turn and ask every running one to stop."""
        for lane in list(self._lanes.values()):
            for turn in list(lane.waiting):
                self._drop(lane, turn, "shutdown")
            if lane.head is not None:
                lane.head.scope.request("shutdown")

    async def wait_settled(self) -> None:
        """Until every accepted turn has settled (its records stored)."""
        for turn in list(self._turns.values()):
            await turn.done.wait()

    def _drop(self, lane: turns.Lane, turn: turns.Turn, reason: str) -> bool:
        """Take a queued turn out of its lane; its message is still stored (marked dropped)."""
        try:
            lane.waiting.remove(turn)
        except ValueError:
            return False
        turn.dropped = reason
        turn.clone.queued -= 1
        turn.scope.request(reason)
        turn.final = self._runner.end_event(turn, "interrupted", None, reason)
        self._end(turn, settled=False)
        lane.dropped.append(turn)
        return True

    # -- ending ------------------------------------------------------------------------------
    def _end(self, turn: turns.Turn, *, settled: bool = True) -> None:
        """The turn is over for the clone and the subscribers; ``settled`` (its records are
        stored) releases ``ticket.wait()`` — a dropped turn settles once its message is kept."""
        turn.state = "done"
        if turn.final is None:  # cancelled (gateway torn down) before it could finish
            turn.final = self._runner.end_event(turn, "interrupted", None,
                                                turn.scope.reason or "shutdown")
        if settled:
            self._settle(turn)
        self._runner.close(turn.clone, turn.turn_id, turn.scope)

    def _settle(self, turn: turns.Turn) -> None:
        self._turns.pop(turn.turn_id, None)
        turn.done.set()

    async def _store_dropped(self, lane: turns.Lane) -> None:
        """Dropped messages are kept in the session (status interrupted, meta ``dropped``) so
        the record shows what the user typed; stored before the lane's next turn starts."""
        while lane.dropped:
            turn = lane.dropped.pop(0)
            try:
                store = await self._stores.get(turn.agent_id)
                await store.append(turn.session_info(), "user", turn.author, turn.text,
                                   status="interrupted",
                                   meta={**turn.route_meta(), "dropped": turn.dropped},
                                   at=turn.received_at)
            except ClawError:
                pass  # the store names its own failure on its next use; the drop happened
            finally:
                self._settle(turn)
