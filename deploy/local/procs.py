"""Linux process helpers: find a process tree and end exactly it, nothing else.

Erlang puts some helpers (erl_child_setup, inet_gethost) in sessions of their own, so
killing a process group does not reach them; we walk the tree under `/proc` instead and
remember each process's start time so a recycled PID is never killed by mistake.
"""

import ctypes
import os
import signal
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1

Ident = tuple[int, int]
"""(pid, start time in clock ticks): a process identity that survives PID reuse."""


def start_time(pid: int) -> int | None:
    """Start time of `pid` from /proc/<pid>/stat, None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def alive(ident: Ident) -> bool:
    """True while the very process of `ident` still runs (not a zombie, PID not reused)."""
    return start_time(ident[0]) == ident[1]


def ident(pid: int) -> Ident | None:
    started = start_time(pid)
    return None if started is None else (pid, started)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree(pid: int) -> list[Ident]:
    """`pid` and all its descendants, parents first."""
    children = _children_map()
    out: list[Ident] = []
    todo = [pid]
    while todo:
        current = todo.pop(0)
        found = ident(current)
        if found is not None:
            out.append(found)
        todo.extend(children.get(current, []))
    return out


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (part.decode(errors="replace").partition("=") for part in raw.split(b"\0") if part)
    return {key: value for key, _, value in pairs}


def find(match: dict[str, str], program: str) -> list[Ident]:
    """Live processes running `program` whose environment holds every pair of `match`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        argv = cmdline(pid)
        if not argv or Path(argv[0]).name != program:
            continue
        env = environ(pid)
        if all(env.get(key) == value for key, value in match.items()):
            found = ident(pid)
            if found is not None:
                out.append(found)
    return out


def kill_all(idents: list[Ident], grace: float = 5.0) -> None:
    """SIGTERM every still-alive process of `idents`, then SIGKILL what remains after grace."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        living = [i for i in idents if alive(i)]
        if not living:
            return
        for pid, _ in living:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(alive(i) for i in living):
            time.sleep(0.05)


def die_with_parent() -> None:
    """`preexec_fn` for children: the kernel sends them SIGTERM if the supervisor dies,
    even by SIGKILL, so a crashed `./run up` leaves no orphans behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
