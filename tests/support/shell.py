"""Run `./run <command>` as a newcomer would: a fresh shell after `./run up`, whose only
variables are HOME, a bare PATH (no uv, no pyenv set-up) and the `SHOMEI_*` ones given."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"


def fresh_shell_env(settings: dict[str, str] | None = None) -> dict[str, str]:
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": BARE_PATH, "LANG": "C.UTF-8"}
    if "SHOMEI_PYTHON" in os.environ:  # a machine that needs it needs it in every shell
        env["SHOMEI_PYTHON"] = os.environ["SHOMEI_PYTHON"]
    env.update({k: v for k, v in (settings or {}).items() if k.startswith("SHOMEI_")})
    return env


def run_command(
    *args: str, settings: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`./run *args` in a fresh shell (through `env -i`), from the checkout."""
    assignments = [f"{k}={v}" for k, v in fresh_shell_env(settings).items()]
    return subprocess.run(
        ["env", "-i", *assignments, str(ROOT / "run"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
