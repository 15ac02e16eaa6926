"""An OTLP/HTTP receiver in the test process: what the services export, kept in memory.

Every process of a stack started with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing here posts
its spans to `/v1/traces` and its metrics to `/v1/metrics` (protobuf); the test reads
`spans` (trace id → service names) and `metric_names`.
"""

import asyncio
import socket
from collections import defaultdict

import uvicorn
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class OtlpReceiver:
    def __init__(self) -> None:
        self.traces: dict[str, set[str]] = defaultdict(set)
        """Trace id (hex) → the `service.name` of every process that sent a span of it."""
        self.span_names: dict[str, list[str]] = defaultdict(list)
        self.metric_names: set[str] = set()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def _traces(self, request: Request) -> Response:
        export = ExportTraceServiceRequest.FromString(await request.body())
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            service = attributes.get("service.name", "?")
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.traces[span.trace_id.hex()].add(service)
                    self.span_names[span.trace_id.hex()].append(f"{service}: {span.name}")
        body = ExportTraceServiceResponse().SerializeToString()
        return Response(body, media_type="application/x-protobuf")

    async def _metrics(self, request: Request) -> Response:
        export = ExportMetricsServiceRequest.FromString(await request.body())
        for resource_metrics in export.resource_metrics:
            for scope in resource_metrics.scope_metrics:
                self.metric_names.update(metric.name for metric in scope.metrics)
        body = ExportMetricsServiceResponse().SerializeToString()
        return Response(body, media_type="application/x-protobuf")

    async def start(self) -> None:
        app = Starlette(
            routes=[
                Route("/v1/traces", self._traces, methods=["POST"]),
                Route("/v1/metrics", self._metrics, methods=["POST"]),
            ]
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
