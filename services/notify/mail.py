"""Send one email over SMTP (aiosmtplib), and say whether a failure is worth a retry.

Headers and bodies are UTF-8 (subjects as RFC 2047 encoded words, bodies base64), so
Japanese reaches every mail client intact. The Message-ID comes from the caller's
notification id: if a retry delivers a message twice, the copies carry the same id and
mail clients and the dev inbox can recognise the duplicate.
"""

import asyncio
import base64
import re
import ssl
import time
from contextlib import suppress
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, formataddr, getaddresses
from functools import lru_cache

import aiosmtplib

from services.notify.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.ratelimit import RateLimit
from services.notify.templates import JST

_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\.][^\s@<>()\[\],;:\"\\]*$")
_MSG_ID_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


class MailSender:
    """One SMTP relay, with a small pool of open connections reused from mail to mail.

    `start_tls=None` uses STARTTLS when the server offers it, True requires it, False
    never; `use_tls=True` is implicit TLS (port 465). Credentials are used when given. A
    connection that failed in any way is closed, never reused; one idle longer than
    `idle_seconds` is replaced, as servers drop idle clients.
    """

    def __init__(
        self,
        host: str,
        port: int,
        mail_from: str,
        timeout: float = 10.0,
        *,
        start_tls: bool | None = None,
        use_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        validate_certs: bool = True,
        tls_context: ssl.SSLContext | None = None,
        pool_size: int = 4,
        idle_seconds: float = 30.0,
        rate: RateLimit | None = None,
    ) -> None:
        parsed = getaddresses([mail_from])
        if len(parsed) != 1 or "@" not in parsed[0][1]:
            raise ValueError(f"mail_from is not one address: {mail_from!r}")
        self.host = host
        self.port = port
        self.mail_from = mail_from
        self.timeout = timeout
        self.start_tls = start_tls
        self.use_tls = use_tls
        self.username = username or None
        self.password = password or None
        self.validate_certs = validate_certs
        self.tls_context = tls_context
        self.idle_seconds = idle_seconds
        self._sender_address = parsed[0][1]
        self._display_name = parsed[0][0]
        self._from = formataddr((self._display_name, self._sender_address), "utf-8")
        self._slots = asyncio.Semaphore(max(1, pool_size))
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._rate = rate or RateLimit(0)

    def build(
        self, to: str, subject: str, text: str, html: str | None, message_id: str
    ) -> EmailMessage:
        """The message as it will be sent, parsed back (kept separate to be inspected)."""
        return message_from_bytes(self.encode(to, subject, text, html, message_id), policy=default)

    def encode(self, to: str, subject: str, text: str, html: str | None, message_id: str) -> bytes:
        """The message's bytes: headers in RFC 2047 encoded words, UTF-8 parts in base64.

        Written out directly: the `email` package's header folding and flattening cost
        about 6 ms a mail, more than the SMTP exchange itself.
        """
        to = check_address(to)
        if not to.isascii():
            raise PermanentDeliveryError(f"address needs SMTPUTF8, not offered here: {to!r}")
        domain = self._sender_address.partition("@")[2]
        mid = normalize_message_id(message_id, domain)
        boundary = f"=_shomei_{mid[1:].partition('@')[0]}"
        headers = [
            f"From: {self._from}",
            f"To: {to}",
            f"Subject: {_encoded(' '.join(subject.split()))}",
            f"Date: {_date_now()}",
            f"Message-ID: {mid}",
            "Auto-Submitted: auto-generated",  # RFC 3834: no auto-replies to us
            "MIME-Version: 1.0",
        ]
        parts = [("plain", text), *([("html", html)] if html is not None else [])]
        if len(parts) == 1:
            lines = [*headers, *_part_lines(*parts[0])]
        else:
            lines = [*headers, f'Content-Type: multipart/alternative; boundary="{boundary}"', ""]
            for subtype, body in parts:
                lines += [f"--{boundary}", *_part_lines(subtype, body)]
            lines.append(f"--{boundary}--")
        return ("\r\n".join(lines) + "\r\n").encode("ascii")

    async def send(
        self, to: str, subject: str, text: str, html: str | None, message_id: str
    ) -> None:
        """Hand the message to the relay; raise Transient- or PermanentDeliveryError."""
        to = check_address(to)
        data = self.encode(to, subject, text, html, message_id)
        await self._rate.wait()
        async with self._slots:
            smtp = None
            try:
                smtp = await self._connection()
                await transact(smtp, self._sender_address, to, data)
            except BaseException as exc:
                if smtp is not None:
                    smtp.close()
                if isinstance(exc, Exception):
                    raise _classify(exc, self.host, self.port) from exc
                raise
            self._idle.append((smtp, asyncio.get_running_loop().time()))

    async def _connection(self) -> aiosmtplib.SMTP:
        now = asyncio.get_running_loop().time()
        while self._idle:
            smtp, since = self._idle.pop()
            if smtp.is_connected and now - since < self.idle_seconds:
                return smtp
            smtp.close()
        smtp = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            start_tls=self.start_tls,
            use_tls=self.use_tls,
            username=self.username,
            password=self.password,
            validate_certs=self.validate_certs,
            tls_context=self.tls_context,
        )
        await smtp.connect()
        return smtp

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for smtp, _ in idle:
            with suppress(Exception):
                await smtp.quit()
            smtp.close()


async def transact(smtp: aiosmtplib.SMTP, sender: str, to: str, data: bytes) -> None:
    """MAIL, RCPT, DATA for one checked recipient and `encode`d bytes.

    What `sendmail` does, less what it does again for every mail: re-parsing both
    addresses, and rewriting the line endings of the whole message only to learn its
    size. `encode` writes CRLF lines ending in CRLF, so the size is the length. A failed
    connection is closed, not reset: nothing is left on it to reuse.
    """
    options = [f"SIZE={len(data)}"] if smtp.supports_extension("size") else []
    await smtp.mail(sender, options=options)
    await smtp.rcpt(to)
    await smtp.data(data)


_WORD_BYTES = 42
"""UTF-8 bytes per encoded word: 56 base64 characters, 68 with `=?utf-8?b?…?=`, so even
the first line, after `Subject: `, stays within 78 characters (RFC 2047, RFC 5322)."""


def _encoded(text: str) -> str:
    """ASCII as is; anything else as UTF-8 base64 encoded words, one per folded line,
    never splitting a character between two words."""
    if text.isascii():
        return text
    words: list[bytes] = []
    chunk = b""
    for ch in text:
        piece = ch.encode("utf-8")
        if len(chunk) + len(piece) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += piece
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def _date_now() -> str:
    return _date_at(int(time.time()))


@lru_cache(maxsize=1)
def _date_at(second: int) -> str:
    """The Date header, made once a second rather than once a mail; in Japan's time,
    where every party reads it, whatever the server's zone."""
    return format_datetime(datetime.fromtimestamp(second, JST))


def _part_lines(subtype: str, body: str) -> list[str]:
    encoded = base64.encodebytes(body.encode("utf-8")).decode("ascii").rstrip("\n")
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        *encoded.split("\n"),
    ]


def _classify(exc: Exception, host: str, port: int) -> Exception:
    """Which failures a retry can cure: 5xx refusals are final, the rest are not."""
    match exc:
        case aiosmtplib.SMTPRecipientsRefused():
            return _classify_refusal(exc.recipients[0] if exc.recipients else None)
        case aiosmtplib.SMTPRecipientRefused():
            return _classify_refusal(exc)
        case aiosmtplib.SMTPDataError():
            return _by_code(exc.code, f"message refused: {exc.code} {exc.message}")
        case aiosmtplib.SMTPSenderRefused() | aiosmtplib.SMTPAuthenticationError():
            # Our own configuration is wrong: every message would fail the same way.
            # Retrying (and then the dead-letter queue) keeps them until it is fixed.
            return TransientDeliveryError(
                f"relay refused our sender or credentials: {exc.code} {exc.message}",
                code=exc.code,
            )
        case aiosmtplib.SMTPResponseException():
            return TransientDeliveryError(f"SMTP error {exc.code} {exc.message}", code=exc.code)
        case aiosmtplib.SMTPException() | OSError() | TimeoutError():
            return TransientDeliveryError(f"cannot reach the mail relay {host}:{port}: {exc}")
    return exc


def _classify_refusal(exc: aiosmtplib.SMTPRecipientRefused | None) -> Exception:
    if exc is None:
        return TransientDeliveryError("recipient refused without a reply code")
    return _by_code(exc.code, f"recipient {exc.recipient} refused: {exc.code} {exc.message}")


def _by_code(code: int, message: str) -> Exception:
    """5xx is final, anything else (4xx: mailbox busy, greylisting) is worth a retry."""
    if 500 <= code < 600:
        return PermanentDeliveryError(message, code=code)
    return TransientDeliveryError(message, code=code)


def check_address(address: str) -> str:
    """Return the trimmed address, or raise PermanentDeliveryError when it cannot work."""
    candidate = address.strip() if isinstance(address, str) else ""
    if (
        not candidate
        or len(candidate) > 254
        or not _ADDRESS.match(candidate)
        or ".." in candidate
        or candidate.endswith(".")
        or any(not ch.isprintable() for ch in candidate)
    ):
        raise PermanentDeliveryError(f"invalid email address: {address!r}")
    return candidate


def normalize_message_id(message_id: str, domain: str) -> str:
    """`<id@domain>` from a bare id, an `id@domain` or an already bracketed id."""
    raw = message_id.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    left, at, right = raw.partition("@")
    right = right if at else domain
    if not left or not _MSG_ID_PART.match(left) or not _MSG_ID_PART.match(right):
        raise ValueError(f"cannot make a Message-ID of {message_id!r}")
    return f"<{left}@{right}>"
