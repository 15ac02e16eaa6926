"""Account mails (A1, A3) handed to the notify service as `notification.requested`.

The gateway publishes rarely, so one broker connection is opened at the first mail and
kept; publishing is confirmed and mandatory, like every service's events.
"""

import asyncio
from typing import Any

from faststream.rabbit import RabbitBroker

from services.common.bus import declare_topology, make_broker, publish_event
from services.common.events import NotificationRequested
from services.common.messages import new_id
from services.common.settings import Settings


class AccountMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._broker: RabbitBroker | None = None
        self._lock = asyncio.Lock()

    async def _connected(self) -> RabbitBroker:
        async with self._lock:
            if self._broker is None:
                broker = make_broker(self._settings, "gateway")
                await broker.connect()
                await declare_topology(broker, "gateway")
                self._broker = broker
            return self._broker

    async def send(self, tenant_id: str, kind: str, to: str, params: dict[str, Any]) -> None:
        event = NotificationRequested(
            tenant_id=tenant_id,
            notification_id=new_id(),
            kind=kind,
            channel="email",
            to=to,
            params=params,
        )
        await publish_event(await self._connected(), event.name, event.model_dump(mode="json"))

    async def close(self) -> None:
        if self._broker is not None:
            await self._broker.stop()
