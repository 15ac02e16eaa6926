"""Connections to a RabbitMQ cluster given as a list of node URLs.

aio-pika's robust connection reconnects, but only ever to the one URL it was made with:
when that node dies, the service waits for it to come back while two other nodes of the
cluster would serve it. `FailoverConnection` moves to the next URL of the list on every
(re)connect attempt, so a lost node costs one reconnect interval. A message published
but not yet confirmed when the node died raises in the publisher (the outbox keeps it
and publishes again); consumers are idempotent, so a repeat is absorbed.
"""

import random
from typing import Any, ClassVar

import aio_pika
from aio_pika import RobustConnection
from aio_pika.abc import AbstractConnection, AbstractRobustConnection
from yarl import URL

RECONNECT_INTERVAL = 1.0
"""Seconds between attempts; each attempt goes to the next node."""


def amqp_urls(value: str) -> list[str]:
    """`amqp://a/,amqp://b/` → both URLs; blanks ignored."""
    urls = [part.strip() for part in value.split(",") if part.strip()]
    if not urls:
        raise ValueError("no RabbitMQ URL given")
    return urls


class FailoverConnection(RobustConnection):
    """A robust connection that tries the nodes of `URLS` in turn, from a random one, so
    that the processes of a fleet spread over the cluster.

    Every attempt of aio-pika's reconnect loop starts by clearing `transport`, and each
    attempt reads `url`; turning the list there is the one hook the loop offers without
    copying it.
    """

    URLS: ClassVar[tuple[URL, ...]] = ()

    def __init__(self, url: URL, loop: Any = None, **kwargs: Any) -> None:
        self._attempts = -2  # __init__ clears transport once before the first attempt
        self._offset = random.randrange(max(len(self.URLS), 1))
        self._first = URL(url)
        self._transport: Any = None
        super().__init__(url, loop, **kwargs)

    @property  # type: ignore[override]
    def url(self) -> URL:
        if not self.URLS:
            return self._first
        return self.URLS[(self._offset + max(self._attempts, 0)) % len(self.URLS)]

    @url.setter
    def url(self, value: URL) -> None:
        self._first = URL(value)

    @property  # type: ignore[override]
    def transport(self) -> Any:
        return self._transport

    @transport.setter
    def transport(self, value: Any) -> None:
        if value is None:
            self._attempts += 1
        self._transport = value


def failover_class(urls: list[str]) -> type[FailoverConnection]:
    return type("FailoverConnection", (FailoverConnection,), {"URLS": tuple(map(URL, urls))})


def connection_kwargs(value: str) -> dict[str, Any]:
    """What `connect_robust` needs to fail over across `value`'s nodes: it waits for the
    first node that answers instead of failing on the first that does not."""
    urls = amqp_urls(value)
    if len(urls) == 1:
        return {}
    return {
        "connection_class": failover_class(urls),
        "fail_fast": False,
        "reconnect_interval": RECONNECT_INTERVAL,
    }


async def connect_robust(value: str, **kwargs: Any) -> AbstractRobustConnection:
    """`aio_pika.connect_robust` over one URL or a comma-separated list of them."""
    urls = amqp_urls(value)
    return await aio_pika.connect_robust(urls[0], **{**connection_kwargs(value), **kwargs})


async def connect(value: str, **kwargs: Any) -> AbstractConnection:
    """A plain connection to the first node of the list that accepts one."""
    error: Exception | None = None
    for url in amqp_urls(value):
        try:
            return await aio_pika.connect(url, **kwargs)
        except (OSError, aio_pika.exceptions.AMQPConnectionError) as exc:
            error = exc
    assert error is not None
    raise error
