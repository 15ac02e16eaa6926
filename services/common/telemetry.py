"""Logging and OpenTelemetry set-up for a process.

Trace context always travels in message headers (FastStream's middleware); spans are
exported only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, so a laptop run needs no collector.
"""

import logging
import os


def setup(service: str) -> None:
    logging.basicConfig(
        level=os.environ.get("SHOMEI_LOG_LEVEL", "INFO"),
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"shomei-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
