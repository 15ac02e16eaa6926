"""The document service's use cases on a real SQLite store and blob folder, no broker:
what the corpus and the finishing tests drive."""

import hashlib
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from services.common.blobs import BlobStore
from services.common.commands import AdoptDocument
from services.common.events import (
    AuditEventRecord,
    AuditPartyRecord,
    EnvelopeSigned,
    FilledField,
    Placement,
)
from services.common.messages import new_id
from services.common.queries import GetDocument, GetFinishedDocument, GetPageImage, VerifyDocument
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings
from services.common.store import UnitOfWork
from services.common.views import DocumentView, PageImageView, VerifyView
from services.document.finalize import Finisher
from services.document.handlers import DocumentHandlers
from services.document.platform_key import PlatformCredentials
from services.document.repository import COLLECTIONS
from services.document.verification import Verifier
from tests.support.tsa import LocalTsa

TENANT = "tenant-1"
VERIFY_URL = "https://shomei.example/verify"


@dataclass
class Service:
    runtime: ServiceRuntime
    blobs: BlobStore
    handlers: DocumentHandlers
    finisher: Finisher
    verifier: Verifier
    creds: PlatformCredentials

    async def answer(self, handler, request):
        """As the runtime runs a handler: in a unit of work, committed after it returns."""

        async def work(uow: UnitOfWork):
            reply = await handler(request, uow)
            await uow.commit()
            return reply

        return await self.runtime.in_unit_of_work(work)

    async def upload(self, data: bytes, filename: str = "契約書.pdf") -> DocumentView:
        blob_id = await self.blobs.put(data)
        return await self.adopt(blob_id, filename)

    async def adopt(self, blob_id: str, filename: str = "契約書.pdf") -> DocumentView:
        query = AdoptDocument(tenant_id=TENANT, blob_id=blob_id, filename=filename)
        return await self.answer(self.handlers.adopt, query)

    async def document(self, document_id: str) -> DocumentView:
        query = GetDocument(tenant_id=TENANT, document_id=document_id)
        return await self.answer(self.handlers.get, query)

    async def page_image(self, query: GetPageImage) -> PageImageView:
        return await self.answer(self.handlers.page_image, query)

    async def verify(self, blob_id: str, tenant_id: str | None = None) -> VerifyView:
        query = VerifyDocument(blob_id=blob_id, tenant_id=tenant_id)
        return await self.answer(self.verifier.verify, query)

    async def finished(self, document_id: str, envelope_id: str) -> bytes:
        query = GetFinishedDocument(
            tenant_id=TENANT, document_id=document_id, envelope_id=envelope_id
        )
        copy = await self.answer(self.handlers.finished, query)
        return await self.blobs.get(copy.blob_id)


async def open_service(
    tmp_path: Path,
    creds: PlatformCredentials,
    tsa_url: str = "",
    blobs: BlobStore | None = None,
    name: str = "document",
    **settings_values,
) -> Service:
    """`blobs`: another engine than the blob folder under `tmp_path`; `name` and
    `settings_values` (a broker's `amqp_url`, `retry_delays` …) for a service on a broker."""
    settings = Settings(store=f"sqlite:///{tmp_path}", var_dir=tmp_path, **settings_values)
    runtime = ServiceRuntime(name, COLLECTIONS, settings)
    if blobs is not None:
        runtime.blobs = blobs
    await runtime.store.open()
    await runtime.blobs.open()
    handlers = DocumentHandlers(runtime.blobs, 200)
    finisher = Finisher(
        runtime.in_unit_of_work,
        runtime.blobs,
        lambda: creds,
        tsa_url,
        VERIFY_URL,
    )
    verifier = Verifier(runtime.blobs, lambda: creds)
    return Service(runtime, runtime.blobs, handlers, finisher, verifier, creds)


def completed(
    document_id: str,
    fields: list[FilledField],
    envelope_id: str | None = None,
    title: str = "建物賃貸借契約書 101号室",
) -> EnvelopeSigned:
    """The signing service's fact that everyone signed, with a realistic trail."""
    t = "2026-11-26T01:0{}:00+00:00"
    return EnvelopeSigned(
        tenant_id=TENANT,
        envelope_id=envelope_id or new_id(),
        document_id=document_id,
        title=title,
        sender_name="シブヤ不動産 山田",
        fields=fields,
        parties=[
            AuditPartyRecord(
                role="tenant",
                name="佐藤 一郎",
                contact="sato@example.jp",
                signing_order=1,
                events=[
                    AuditEventRecord(at=t.format(1), action="asked"),
                    AuditEventRecord(
                        at=t.format(2), action="opened", ip="203.0.113.7", user_agent="iPhone"
                    ),
                    AuditEventRecord(
                        at=t.format(3),
                        action="signed",
                        ip="203.0.113.7",
                        user_agent="iPhone",
                        consent={"電子契約に同意": True},
                    ),
                ],
            )
        ],
        audit_digest="ab" * 32,
    )


def seal_field(page: int, x: float, y: float, side: float, seal_blob_id: str) -> FilledField:
    return FilledField(
        placement=Placement(page=page, x=x, y=y, width=side, height=side),
        type="signature",
        seal_blob_id=seal_blob_id,
    )


def text_field(page: int, x: float, y: float, text: str) -> FilledField:
    return FilledField(
        placement=Placement(page=page, x=x, y=y, width=220, height=24), type="text", text=text
    )


def pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{hashlib.sha256(data).hexdigest()[:12]}.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return run.stdout + run.stderr


def qpdf_check(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)


def last_signature(report: str) -> str:
    return report.split("Signature #")[-1]


class FlakyTsa:
    """The local RFC 3161 authority behind a switch: 503 while `down`."""

    def __init__(self, tsa: LocalTsa) -> None:
        self.down = True
        self.refused = 0
        self.up_after: int | None = None
        """Back up by itself after refusing this many requests."""
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if flaky.up_after is not None and flaky.refused >= flaky.up_after:
                    flaky.down = False
                if flaky.down:
                    flaky.refused += 1
                    self.send_error(503, "maintenance")
                    return
                reply = tsa.answer(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
