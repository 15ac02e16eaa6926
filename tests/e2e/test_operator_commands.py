"""The operator commands of the README against a running stack, from a fresh shell."""

from tests.support.shell import run_command
from tests.support.stack import Stack


async def test_dead_letters_of_a_running_stack_are_listed_from_a_fresh_shell(stack: Stack) -> None:
    listed = run_command("dead-letters", "list", "notify", settings=stack.env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert listed.stdout == ""
    replayed = run_command("dead-letters", "replay", "notify", settings=stack.env)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert replayed.stdout.strip() == "replayed 0"
