"""The README's operator commands work in a fresh shell: `./run admin …` and
`./run dead-letters …` use the Python and uv that `./run` finds, not a `uv` on the PATH."""

import re
from pathlib import Path

from tests.support.shell import run_command

ROOT = Path(__file__).resolve().parents[3]


def test_admin_runs_from_a_fresh_shell() -> None:
    result = run_command("admin", "--help")
    assert result.returncode == 0, result.stderr
    assert "create-tenant" in result.stdout


def test_dead_letters_runs_from_a_fresh_shell() -> None:
    result = run_command("dead-letters", "--help")
    assert result.returncode == 0, result.stderr
    assert "{list,replay,replay-unrouted}" in result.stdout


def test_python_runs_the_projects_interpreter_from_a_fresh_shell() -> None:
    result = run_command("python", "-c", "import faststream, sys; print(sys.prefix)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(ROOT / ".venv")


def test_help_names_every_command_and_an_unknown_one_is_refused() -> None:
    shown = run_command("help").stdout
    for command in ("up", "test", "lint", "admin", "dead-letters", "python"):
        assert f"./run {command}" in shown
    unknown = run_command("deploy")
    assert unknown.returncode == 2
    assert "unknown command 'deploy'" in unknown.stderr


def test_the_readme_shows_only_commands_a_fresh_shell_has() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    assert [line for line in lines if re.match(r"(uv|python3?(\.13)?|pytest) ", line)] == []
    assert any(line.startswith("./run admin create-tenant") for line in lines)
    assert any(line.startswith("./run dead-letters replay") for line in lines)
