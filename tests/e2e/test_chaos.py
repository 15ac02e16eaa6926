"""The kill matrix, shortened: envelopes through the whole flow on a three-node RabbitMQ
cluster with two instances of every service, while instances are killed -9 and a node is
killed and restarted; counted at the edges (bench/chaos.py runs the full one)."""

from pathlib import Path

import pytest

from bench.chaos import run

pytestmark = [pytest.mark.e2e, pytest.mark.stack, pytest.mark.timeout(600)]


async def test_kill_9_of_instances_and_a_broker_node_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    outcome = await run(
        16, kill_every=1.0, node_kills=1, concurrency=6, timeout=400, work=tmp_path, min_kills=3
    )
    print(outcome.summary("shortened kill matrix"), "\nkills:", ", ".join(outcome.kills))
    assert outcome.problems == []
    assert outcome.completed == outcome.valid_pdfs == 16
    # problems also names any party without exactly two different mails (its link, then the
    # finished contract); a mail re-sent because notify died between the SMTP server's
    # acceptance and its own record keeps its Message-ID and is bounded by notify's kills
    assert outcome.mails >= 16 * 4
    assert any(k.startswith("rabbit-") for k in outcome.kills)
    assert len(outcome.kills) >= 3
