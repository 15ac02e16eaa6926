"""A local stand-in for Twilio's Messages API, for tests (DESIGN: the SMS provider's HTTP
API is the one outside service the tests replace with a local server).

It serves `POST {prefix}/2010-04-01/Accounts/{sid}/Messages.json` from a thread, checks
basic auth, and answers like Twilio: 201 with the message resource, 400 with
`{"code": 21211, ...}` for a `To` that is not a valid number (or listed in
`invalid_numbers`), 401 for wrong credentials, and 503 while `unavailable` is set.

    with TwilioStandin() as twilio:
        sender = SmsSender(twilio.api_url, twilio.account_sid, twilio.auth_token, "+15005550006")
"""

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs

_PATH = re.compile(r"^(?P<prefix>.*)/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass(frozen=True)
class SentSms:
    """One message the stand-in accepted."""

    sid: str
    to: str
    from_: str
    body: str
    account_sid: str


@dataclass
class TwilioStandin:
    """Start with `start()` (or `with`); `api_url` is what SmsSender takes."""

    account_sid: str = "ACtest00000000000000000000000000"
    auth_token: str = "test-token"
    prefix: str = "/twilio"
    unavailable: bool = False
    """While True, every request gets 503, like a provider outage."""
    invalid_numbers: set[str] = field(default_factory=set)
    """E.164 numbers answered with 400 / 21211 although well-formed."""
    messages: list[SentSms] = field(default_factory=list)
    requests: int = 0
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def start(self) -> Self:
        standin = self

        class Handler(_Handler):
            owner = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown between tests
            name="twilio-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self, account_sid: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """Decide the answer to one authenticated request (called on the server thread)."""
        with self._lock:
            self.requests += 1
            if self.unavailable:
                return 503, _error(503, 20500, "Service Unavailable")
            to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
            if not _E164.match(to) or to in self.invalid_numbers:
                return 400, _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
            if not from_:
                return 400, _error(400, 21603, "A 'From' phone number is required.")
            if not body:
                return 400, _error(400, 21602, "Message body is required.")
            sid = "SM" + secrets.token_hex(16)
            self.messages.append(SentSms(sid, to, from_, body, account_sid))
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return 201, {
            "sid": sid,
            "account_sid": account_sid,
            "to": to,
            "from": from_,
            "body": body,
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "price": None,
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }


def _error(status: int, code: int, message: str) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    owner: TwilioStandin
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        match = _PATH.match(self.path.split("?", 1)[0])
        if match is None or match["prefix"] != self.owner.prefix:
            self._reply(404, _error(404, 20404, "The requested resource was not found"))
            return
        if match["sid"] != self.owner.account_sid or not self._authorized():
            self._reply(401, _error(401, 20003, "Authenticate"))
            return
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._reply(*self.owner._accept(match["sid"], form))

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.owner.account_sid and secrets.compare_digest(
            password, self.owner.auth_token
        )

    def _reply(self, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `messages`, not the access log."""
