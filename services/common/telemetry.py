"""Logging and OpenTelemetry for a process.

A real tracer provider is always installed, so the W3C trace context travels with every
message: FastStream's middleware on publish and consume, the query client on each ask,
and the outbox, which keeps the writer's context with each message until it is relayed.
Spans and metrics are exported (OTLP over HTTP) only when `OTEL_EXPORTER_OTLP_ENDPOINT`
is set; without it spans are not even recorded. Metrics: `shomei.deliveries` and
`shomei.handler.duration` per routing key and outcome, `shomei.queue.depth` of the
service's queues and `shomei.dead_letters` of its dead-letter queue, polled by the
process itself.
"""

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from faststream import BaseMiddleware
from opentelemetry import context, metrics, propagate, trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.common.settings import Settings, get_settings

log = logging.getLogger(__name__)
_meter = metrics.get_meter("shomei")
_tracer = trace.get_tracer("shomei.http")
_depths: dict[str, int] = {}
"""Last polled message count of each queue this process consumes, by name."""


def setup(service: str, settings: Settings | None = None) -> None:
    logging.basicConfig(
        level=(settings or get_settings()).log_level.upper(),
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    resource = Resource.create({"service.name": f"shomei-{service}"})
    # Not exporting: spans are made but not recorded (ids and context only), so the trace
    # context still travels with every message at a fraction of a recorded span's cost.
    provider = TracerProvider(resource=resource, sampler=ALWAYS_ON if exporting() else ALWAYS_OFF)
    if exporting():
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=500)
        )
        reader = PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=10_000)
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    trace.set_tracer_provider(provider)
    _instruments()


def exporting() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def flush() -> None:
    """Export what is buffered (at a clean stop; a killed process loses at most 0.5 s)."""
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        with contextlib.suppress(Exception):
            provider.force_flush()  # type: ignore[attr-defined]


_deliveries: Any = None
_duration: Any = None


def _instruments() -> None:
    global _deliveries, _duration
    _deliveries = _meter.create_counter(
        "shomei.deliveries", description="messages handled, by routing key and outcome"
    )
    _duration = _meter.create_histogram(
        "shomei.handler.duration", unit="s", description="time a handler took"
    )
    _meter.create_observable_gauge(
        "shomei.queue.depth",
        [_observe(lambda q: not q.endswith(".dead"))],
        description="ready messages",
    )
    _meter.create_observable_gauge(
        "shomei.dead_letters", [_observe(lambda q: q.endswith(".dead"))], description="dead letters"
    )


def _observe(which: Callable[[str], bool]) -> Callable[[CallbackOptions], Iterable[Observation]]:
    def observe(options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(n, {"queue": q}) for q, n in _depths.items() if which(q)]

    return observe


class MetricsMiddleware(BaseMiddleware):
    """Counts each delivery and times its handler, labelled with the routing key (the
    event's name, or `<service>.query` for commands and queries)."""

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        key = str(getattr(msg.raw_message, "routing_key", "") or "")
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await call_next(msg)
        except BaseException:
            outcome = "error"
            raise
        finally:
            attributes = {"routing_key": key, "outcome": outcome}
            if _deliveries is not None:
                _deliveries.add(1, attributes)
                _duration.record(time.perf_counter() - started, attributes)


async def watch_queues(amqp_url: str, queues: list[str], every: float = 10) -> None:
    """Poll the depth of `queues` on a connection of its own for the gauges, until
    cancelled (a passive declare per queue: it reads, never creates)."""
    from services.common import failover

    connection = await failover.connect_robust(amqp_url)
    try:
        while True:
            for name in queues:
                try:
                    async with connection.channel() as channel:
                        queue = await channel.declare_queue(name, passive=True)
                        _depths[name] = queue.declaration_result.message_count or 0
                except Exception:  # not declared yet, or a node being replaced
                    log.debug("could not count %s", name, exc_info=True)
            await asyncio.sleep(every)
    finally:
        await connection.close()


async def http_span(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
    """A server span per HTTP request, continuing a caller's `traceparent`, so one trace
    runs from the API call through every service the request sets going."""
    token = context.attach(propagate.extract(dict(request.headers)))
    try:
        name = f"HTTP {request.method} {request.url.path}"
        with _tracer.start_as_current_span(name, kind=SpanKind.SERVER) as span:
            response = await call_next(request)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return response
    finally:
        context.detach(token)


def trace_headers() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`, `tracestate`)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier
