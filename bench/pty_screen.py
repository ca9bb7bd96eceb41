"""A fresh ``claw-tui`` (or any app) on a pseudo-terminal, read as a user's terminal sees it:
the pieces ``bench/tui.py`` and ``bench/attach.py`` share to time what is drawn."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

SIZE = (160, 48)


def claw_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m tui``."""
    script = Path(sys.executable).parent / "claw-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


def spawn(argv: list[str], *, cwd: Path | None = None,
          env: dict[str, str] | None = None) -> tuple[int, int]:
    """Start ``argv`` on a new 160x48 pseudo-terminal; its pid and the terminal's fd. Python
    writes and reuses bytecode caches as it does on a user's machine, whatever this shell's
    ``PYTHONDONTWRITEBYTECODE`` says. ``$BENCH_NICE`` (e.g. ``-15``, as root) gives the app's
    session that priority among the machine's sessions, for figures taken while other work
    shares the cores (a plain ``nice`` does not reach across Linux's per-session groups)."""
    pid, fd = pty.fork()
    if pid == 0:  # child: size the terminal before the app asks for it, then exec
        nice = os.environ.get("BENCH_NICE")
        if nice:  # Linux: the app's session is its own scheduling group (autogroup)
            with open("/proc/self/autogroup", "w") as fh:
                fh.write(nice)
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        if cwd is not None:
            os.chdir(cwd)
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        os.execvpe(argv[0], argv, {**base, **(env or {}), "TERM": "xterm-256color"})
    return pid, fd


def stop(pid: int, fd: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)


def time_to_screen(argv: list[str], *stages: tuple[bytes, ...], timeout: float = 20.0,
                   cwd: Path | None = None, env: dict[str, str] | None = None,
                   cpu: list[float] | None = None) -> list[float]:
    """Start ``argv`` as a fresh process on a pseudo-terminal and return, for each of
    ``stages``, the seconds until everything in it has been drawn (read from the terminal's
    output). ``cpu``, if given, gets the CPU time (user + system, all threads) the process had
    used at each stage: it moves far less than wall time when other work shares the cores."""
    t0 = time.perf_counter()
    pid, fd = spawn(argv, cwd=cwd, env=env)
    seen = b""
    times: list[float] = []
    try:
        for markers in stages:
            while not all(m in seen for m in markers):
                left = max(0.0, t0 + timeout - time.perf_counter())
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    raise TimeoutError(f"{argv[0]}: {markers} not drawn; last output {seen[-300:]!r}")
                try:
                    seen += os.read(fd, 1 << 16)
                except OSError as exc:  # the process died
                    raise RuntimeError(f"{argv}: exited before drawing {markers}; {seen[-300:]!r}") from exc
            times.append(time.perf_counter() - t0)
            if cpu is not None:
                cpu.append(cpu_seconds(pid))
        return times
    finally:
        stop(pid, fd)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (``/proc``, clock ticks)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process (``/proc``), in MiB."""
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
