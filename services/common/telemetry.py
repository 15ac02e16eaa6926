"""Logging and OpenTelemetry for a process.

A real tracer provider is always installed, so the W3C trace context travels with every
message: FastStream's middleware on publish and consume, the query client on each ask,
and the outbox, which keeps the writer's context with each message until it is relayed.
Spans are exported only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
"""

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from services.common.settings import Settings, get_settings


def setup(service: str, settings: Settings | None = None) -> None:
    logging.basicConfig(
        level=(settings or get_settings()).log_level.upper(),
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"shomei-{service}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def trace_headers() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`, `tracestate`)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def continued(headers: Mapping[str, str]) -> Iterator[None]:
    """Run the block inside the trace context carried by `headers`."""
    token = context.attach(propagate.extract(dict(headers)))
    try:
        yield
    finally:
        context.detach(token)
