"""Child processes of `./run up`, each in a session of its own with its own log, so a
dead one can be named with the end of its log and all of them ended, grandchildren too."""

import os
import signal
import subprocess
import time
from pathlib import Path

from deploy.local import procs

ROOT = Path(__file__).resolve().parents[2]


class ChildDied(Exception):
    """A child process ended although nobody asked it to."""

    def __init__(self, name: str, code: int) -> None:
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        super().__init__(f"{name} {how}")
        self.name = name
        self.code = code


def tail(path: Path, lines: int = 30, offset: int = 0) -> str:
    """The last lines of a log, from `offset` on (where this run's output starts)."""
    try:
        with path.open("rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class Supervisor:
    """Child processes by name, each in its own session with its log file."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.log_offsets: dict[str, int] = {}

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path(name).open("ab") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
            log.flush()
            self.log_offsets[name] = log.tell()
            self.children[name] = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=procs.die_with_parent,
            )

    def tail(self, name: str, lines: int = 30) -> str:
        return tail(self.log_path(name), lines, self.log_offsets.get(name, 0))

    def dead(self) -> tuple[str, int] | None:
        """(name, exit code) of the first child that is no longer running."""
        for name, child in self.children.items():
            if child.poll() is not None:
                return name, child.returncode
        return None

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM every child (newest first), then SIGKILL whatever of them remains."""
        trees = {name: procs.tree(child.pid) for name, child in self.children.items()}
        for child in reversed(self.children.values()):
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for name, child in self.children.items():
            if child.poll() is None:
                print(f"  {name} did not stop within {grace:.0f}s: killed", flush=True)
            procs.kill_all(trees[name], grace=0)
            child.wait()
        self.children.clear()
