"""A service whose one handler takes a while, run as a real process by the shutdown test:

    SHOMEI_AMQP_URL=… SHOMEI_STORE=sqlite:///… SLOW_MARKER=<file> \
        python -m tests.unit.common.slow_service

On `slowtest.requested` it touches SLOW_MARKER (so the test knows it is in flight), works
for SLOW_SECONDS, then stages `slowtest.done` in its outbox.
"""

import asyncio
import os
from pathlib import Path
from typing import ClassVar

from services.common.messages import Event
from services.common.runtime import ServiceRuntime
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork


class SlowRequested(Event):
    name: ClassVar[str] = "slowtest.requested"


class SlowDone(Event):
    name: ClassVar[str] = "slowtest.done"


runtime = ServiceRuntime("slowtest", [Collection("jobs")])


async def work(event: SlowRequested, uow: UnitOfWork) -> None:
    await asyncio.to_thread(Path(os.environ["SLOW_MARKER"]).touch)
    await asyncio.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
    done = SlowDone(tenant_id=event.tenant_id, correlation_id=event.correlation_id)
    stage(uow, "jobs", {"id": event.event_id, "version": 0}, [done])


runtime.on("work", SlowRequested, work)
runtime.answer({})

if __name__ == "__main__":
    runtime.run()
