"""Local mail and SMS catcher: a newcomer follows a contract without any outside account.

- SMTP (aiosmtpd) on loopback keeps every mail, decoded (Japanese subjects and bodies,
  any charset) into UTF-8 text.
- A Twilio-compatible `POST /twilio/2010-04-01/Accounts/{sid}/Messages.json`, so the
  real `twilio` client with `client.api.base_url = "<catcher>/twilio"` sends to it. It
  answers like Twilio (201 "queued", 400 code 21211 for a bad `To`, Twilio's magic test
  numbers, 401 for wrong credentials), moves each message to "delivered" and calls its
  `StatusCallback` signed like Twilio does. It is the project's one local SMS API: the
  tests use it too, with its failure switches (`sms_unavailable`: 503 like an outage;
  `sms_unavailable_for`: 503 for some numbers only, for a number of requests;
  `sms_rejected`: numbers refused with 400/21211 although well-formed), and the mail
  relay can go down and come back on its port (`smtp_down()`, `smtp_up()`).
- `GET /messages` (newest first, `?to=`, `?channel=`, `?wait=` seconds to long-poll),
  `GET /messages/{id}`, `GET /messages/{id}/raw`, `DELETE /messages`: the inbox the
  gateway shows on /dev/inbox and e2e tests read.

Messages are JSON lines under `--data`, so a restart keeps them.

    python -m deploy.local.catcher --smtp-port 1025 --http-port 8025 --data var/catcher
"""

import argparse
import asyncio
import base64
import contextlib
import logging
import re
import secrets
import signal
import socket
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from deploy.local.inbox import Inbox, Message, now_iso, parse_mail
from services.common.settings import get_settings

log = logging.getLogger("shomei.catcher")

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TWILIO_PATH = "/twilio/2010-04-01/Accounts/{sid}/Messages"
# Twilio's magic test numbers (https://www.twilio.com/docs/iam/test-credentials): a way
# to see each failure of the SMS path locally.
MAGIC_TO: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for {to}."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number"),
}

UNDELIVERED_TO: dict[str, int] = {"+818000000000": 30003}
"""Accepted, then reported undelivered by status callback (Twilio 30003: unreachable)."""


def _twilio_error(status: int, code: int, message: str) -> JSONResponse:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more_info, "status": status}
    return JSONResponse(body, status_code=status)


class _QuietServer(uvicorn.Server):
    """Leaves signals to its owner: in-process tests and our own main() decide shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Catcher:
    """SMTP + HTTP catcher; `await start()` / `await stop()`, in-process or as a process.

    Port 0 picks a free port (read `smtp_port` / `http_port` after start). When
    `twilio_auth` is given, the Twilio API demands exactly those credentials.
    """

    sms_unavailable: bool
    """While True, the SMS API answers every request 503, like a provider outage."""
    sms_unavailable_for: dict[str, int]
    """E.164 number → how many more requests for it the SMS API answers 503 (an outage
    seen by these messages alone, while others go through)."""
    sms_rejected: set[str]
    """E.164 numbers the SMS API refuses with 400 / 21211 although they are well-formed."""
    sms_requests: int
    """Requests the SMS API has had to create a message, whatever it answered."""

    def __init__(
        self,
        data_dir: Path,
        smtp_port: int = 1025,
        http_port: int = 8025,
        host: str = "127.0.0.1",
        twilio_auth: tuple[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.smtp_port = smtp_port
        self.http_port = http_port
        self.twilio_auth = twilio_auth
        self.sms_unavailable = False
        self.sms_unavailable_for = {}
        self.sms_rejected = set()
        self.sms_requests = 0
        self.inbox = Inbox(self.data_dir)
        self._smtp: asyncio.Server | None = None
        self._http: _QuietServer | None = None
        self._http_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.http_port}"

    @property
    def twilio_url(self) -> str:
        """What to give the twilio client as `client.api.base_url`."""
        return f"{self.url}/twilio"

    # SMTP ----------------------------------------------------------------------------

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """aiosmtpd hook: one stored message per envelope recipient (each one's inbox)."""
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        try:
            parsed = parse_mail(raw)
        except Exception as exc:  # a mail we cannot parse is kept raw, never refused
            log.warning("cannot parse mail: %s", exc)
            parsed = {"subject": "", "from": "", "body": raw.decode(errors="replace")}
        for rcpt in envelope.rcpt_tos:
            message = {
                "id": "EM" + secrets.token_hex(16),
                "channel": "email",
                "to": rcpt,
                "envelope_from": envelope.mail_from,
                **parsed,
                "received_at": now_iso(),
            }
            message["from"] = message.get("from") or envelope.mail_from
            self.inbox.add(message, raw)
        return "250 OK"

    # HTTP ----------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/healthz", self._healthz),
                Route("/messages", self._list, methods=["GET"]),
                Route("/messages", self._delete, methods=["DELETE"]),
                Route("/messages/{id}", self._get),
                Route("/messages/{id}/raw", self._raw),
                Route(TWILIO_PATH + ".json", self._twilio_create, methods=["POST"]),
                Route(TWILIO_PATH + "/{msid}.json", self._twilio_fetch),
            ]
        )

    async def _healthz(self, request: Request) -> Response:
        return JSONResponse({"ok": True, "messages": len(self.inbox.messages)})

    async def _list(self, request: Request) -> Response:
        to, channel = request.query_params.get("to"), request.query_params.get("channel")
        try:
            wait = min(float(request.query_params.get("wait", 0)), 30.0)
        except ValueError:
            return JSONResponse({"error": "wait must be a number of seconds"}, status_code=400)
        return JSONResponse(await self.inbox.wait_for(to, channel, wait))

    async def _delete(self, request: Request) -> Response:
        return JSONResponse({"deleted": self.inbox.clear(request.query_params.get("to"))})

    async def _get(self, request: Request) -> Response:
        message = self.inbox.get(request.path_params["id"])
        if message is None:
            return JSONResponse({"error": "no such message"}, status_code=404)
        return JSONResponse(message)

    async def _raw(self, request: Request) -> Response:
        raw = self.inbox.raw(request.path_params["id"])
        if raw is None:
            return JSONResponse({"error": "no such mail"}, status_code=404)
        return Response(raw, media_type="message/rfc822")

    def _authorised(self, request: Request, sid: str) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        if self.twilio_auth is not None:
            return (user, password) == self.twilio_auth and sid == self.twilio_auth[0]
        return bool(user and password)

    def _resource(self, m: Message) -> Message:
        sid, account = m["id"], m["account_sid"]
        uri = f"/2010-04-01/Accounts/{account}/Messages/{sid}.json"
        created = format_datetime(datetime.fromisoformat(m["received_at"]))
        return {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": m["body"],
            "date_created": created,
            "date_updated": created,
            "date_sent": None,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": m["from"],
            "messaging_service_sid": m.get("messaging_service_sid"),
            "num_media": "0",
            "num_segments": str(max(1, -(-len(m["body"]) // 70))),  # UCS-2: 70 per part
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": m["status"],
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": m["to"],
            "uri": uri,
        }

    async def _twilio_create(self, request: Request) -> Response:
        self.sms_requests += 1
        if self.sms_unavailable:
            return _twilio_error(503, 20500, "Service Unavailable")
        sid = request.path_params["sid"]
        if not self._authorised(request, sid):
            return _twilio_error(401, 20003, "Authenticate")
        form = await request.form()
        to, sender = str(form.get("To", "")).strip(), str(form.get("From", "")).strip()
        if self.sms_unavailable_for.get(to, 0) > 0:
            self.sms_unavailable_for[to] -= 1
            return _twilio_error(503, 20500, "Service Unavailable")
        service, body = str(form.get("MessagingServiceSid", "")), str(form.get("Body", ""))
        if not to:
            return _twilio_error(400, 21604, "A 'To' phone number is required.")
        if not E164.fullmatch(to) or to in MAGIC_TO or to in self.sms_rejected:
            code, text = MAGIC_TO.get(to, MAGIC_TO["+15005550001"])
            return _twilio_error(400, code, text.format(to=to))
        if not sender and not service:
            return _twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' is required.")
        if not body:
            return _twilio_error(400, 21602, "Message body is required.")
        message = {
            "id": "SM" + secrets.token_hex(16),
            "channel": "sms",
            "to": to,
            "from": sender or service,
            "subject": None,
            "body": body,
            "html": None,
            "status": "queued",
            "account_sid": sid,
            "messaging_service_sid": service or None,
            "status_callback": str(form.get("StatusCallback", "")) or None,
            "received_at": now_iso(),
        }
        self.inbox.add(message)
        task = asyncio.create_task(self._deliver(message, request.headers["authorization"]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return JSONResponse(self._resource(message), status_code=201)

    async def _twilio_fetch(self, request: Request) -> Response:
        if not self._authorised(request, request.path_params["sid"]):
            return _twilio_error(401, 20003, "Authenticate")
        message = self.inbox.get(request.path_params["msid"])
        if message is None or message["channel"] != "sms":
            return _twilio_error(404, 20404, "The requested resource was not found")
        return JSONResponse(self._resource(message))

    async def _deliver(self, message: Message, authorization: str) -> None:
        """queued → sent → delivered, telling the StatusCallback like Twilio would."""
        token = base64.b64decode(authorization[6:]).decode().partition(":")[2]
        error_code = UNDELIVERED_TO.get(message["to"])
        for status in ("sent", "undelivered" if error_code else "delivered"):
            await asyncio.sleep(0.1)
            self.inbox.set_status(message, status)
            url = message.get("status_callback")
            if not url:
                continue
            params = {
                "AccountSid": message["account_sid"],
                "ApiVersion": "2010-04-01",
                "From": message["from"],
                "MessageSid": message["id"],
                "MessageStatus": status,
                "SmsSid": message["id"],
                "SmsStatus": status,
                "To": message["to"],
            }
            if error_code and status == "undelivered":
                params["ErrorCode"] = str(error_code)
            signature = RequestValidator(token).compute_signature(url, params)
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
            except httpx.HTTPError as exc:
                log.warning("status callback %s failed: %s", url, exc)

    # lifecycle -----------------------------------------------------------------------

    async def smtp_down(self) -> None:
        """The mail relay goes away: its port refuses connections, open ones are cut."""
        if self._smtp is not None:
            self._smtp.close()
            self._smtp.close_clients()  # wait_closed() would wait for idle clients to leave
            await self._smtp.wait_closed()
            self._smtp = None

    async def smtp_up(self) -> None:
        """The mail relay is back on the same port."""
        if self._smtp is None:
            self._smtp = await self._serve_smtp(_listen(self.host, self.smtp_port))

    async def _serve_smtp(self, sock: socket.socket) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        return await loop.create_server(
            lambda: SMTP(self, hostname="shomei-catcher", enable_SMTPUTF8=True, loop=loop),
            sock=sock,
        )

    async def start(self) -> None:
        """Bind both ports (raising OSError with the port when taken) and serve."""
        self.inbox.load()
        smtp_sock = _listen(self.host, self.smtp_port)
        try:
            http_sock = _listen(self.host, self.http_port)
        except OSError:
            smtp_sock.close()
            raise
        self.smtp_port = smtp_sock.getsockname()[1]
        self.http_port = http_sock.getsockname()[1]
        self._smtp = await self._serve_smtp(smtp_sock)
        config = uvicorn.Config(
            self.app(),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,  # do not wait out a long-poll on stop
        )
        self._http = _QuietServer(config)
        self._http_task = asyncio.create_task(self._http.serve(sockets=[http_sock]))
        while not self._http.started:
            if self._http_task.done():
                await self._http_task
                raise RuntimeError("catcher HTTP server stopped during start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.inbox.wake_all()
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            await self._http_task
            self._http = self._http_task = None
        await self.smtp_down()


async def _serve(args: argparse.Namespace) -> None:
    settings = get_settings()
    sid = args.twilio_sid or settings.twilio_account_sid
    token = args.twilio_token or settings.twilio_auth_token
    catcher = Catcher(
        args.data,
        args.smtp_port,
        args.http_port,
        args.host,
        (sid, token) if sid and token else None,
    )
    await catcher.start()
    print(
        f"catcher: SMTP on {args.host}:{catcher.smtp_port}, inbox {catcher.url}/messages, "
        f"Twilio API {catcher.twilio_url}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await catcher.stop()


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smtp-port", type=int, default=settings.smtp_port)
    parser.add_argument("--http-port", type=int, default=settings.catcher_port)
    parser.add_argument("--data", type=Path, default=settings.var_dir / "catcher")
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 inside a container")
    parser.add_argument("--twilio-sid", default="", help="demand these credentials")
    parser.add_argument("--twilio-token", default="")
    args = parser.parse_args()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_serve(args))
    except OSError as exc:
        raise SystemExit(f"catcher: {exc}") from None


if __name__ == "__main__":
    main()
