"""A CPU limit per process, as a pod's `resources.limits.cpu` gives each notify worker:
each process goes into a cgroup of its own whose CFS quota is `cores` of a CPU.

On a machine where the workers, the SMTP server and the broker share two cores, two
uncapped workers measure the machine, not the workers: one worker already uses most of
a core, so a second can only take what the server and the broker leave. With every worker
capped below its share, the machine has room for one more, and the ratio of two workers
to one shows what scaling out shows on a cluster: whether the workers hold each other up
(a shared lock, a queue, the store), not how many cores this box has.

Needs a writable cgroup file system (cgroup v1's `cpu` controller or cgroup v2 with
`cpu` enabled), as root in a container or a VM; `available()` says whether it is here.
"""

import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
V1 = CGROUP / "cpu"
PERIOD_US = 100_000


def _root() -> tuple[Path, int] | None:
    """The writable cgroup hierarchy with a CPU quota, and its version."""
    if (V1 / "cpu.cfs_quota_us").exists() and os.access(V1, os.W_OK):
        return V1, 1
    controllers = CGROUP / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        if os.access(CGROUP, os.W_OK):
            return CGROUP, 2
    return None


def available() -> bool:
    return _root() is not None


class CpuLimit:
    """Cgroups named `<name>-<pid>`, made as processes are placed, removed by `close()`."""

    def __init__(self, cores: float, name: str = "shomei-bench") -> None:
        found = _root()
        if found is None:
            raise RuntimeError("no writable cgroup file system with a CPU quota here")
        self.cores = cores
        self._root, self._version = found
        self._name = name
        self._groups: list[Path] = []

    def place(self, pid: int) -> None:
        group = self._root / f"{self._name}-{pid}"
        group.mkdir(exist_ok=True)
        quota = int(self.cores * PERIOD_US)
        if self._version == 1:
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        (group / "cgroup.procs").write_text(str(pid))
        self._groups.append(group)

    def close(self) -> None:
        """Remove the groups of processes that have ended (a live one keeps its group)."""
        for group in self._groups:
            try:
                group.rmdir()
            except OSError:
                continue
        self._groups.clear()
