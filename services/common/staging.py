"""Stage an aggregate's new state and its events in one unit of work (the outbox rule)."""

from collections.abc import Iterable
from typing import Any

from services.common.messages import Event
from services.common.store import OutboxMessage, UnitOfWork
from services.common.telemetry import trace_headers


def stage(
    uow: UnitOfWork,
    collection: str,
    doc: dict[str, Any],
    events: Iterable[Event],
    correlation_id: str | None = None,
) -> None:
    uow.save(collection, doc)
    for event in events:
        if correlation_id:
            event = event.model_copy(update={"correlation_id": correlation_id})
        uow.add_outbox(
            OutboxMessage(
                event.event_id, event.name, event.model_dump(mode="json"), trace_headers()
            )
        )
