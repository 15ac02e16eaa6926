"""Send one email over SMTP (aiosmtplib), and say whether a failure is worth a retry.

Headers and bodies are UTF-8 (subjects as RFC 2047 encoded words, bodies base64), so
Japanese reaches every mail client intact. The Message-ID comes from the caller's
notification id: if a retry delivers a message twice, the copies carry the same id and
mail clients and the dev inbox can recognise the duplicate.
"""

import re
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, getaddresses, localtime

import aiosmtplib

from services.notify.errors import PermanentDeliveryError, TransientDeliveryError

_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\.][^\s@<>()\[\],;:\"\\]*$")
_MSG_ID_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


class MailSender:
    """One SMTP relay. Opens a connection per message: simple, and no stale sockets.

    `start_tls=None` uses STARTTLS when the server offers it, True requires it, False
    never; `use_tls=True` is implicit TLS (port 465). Credentials are used when given.
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
        self.username = username
        self.password = password
        self.validate_certs = validate_certs
        self.tls_context = tls_context
        self._sender_address = parsed[0][1]
        self._display_name = parsed[0][0]

    def build(
        self, to: str, subject: str, text: str, html: str | None, message_id: str
    ) -> EmailMessage:
        """The message as it will be sent (kept separate so it can be inspected)."""
        to = check_address(to)
        msg = EmailMessage(policy=SMTP_POLICY)
        local, _, domain = self._sender_address.partition("@")
        msg["From"] = Address(self._display_name, local, domain)
        msg["To"] = to
        msg["Subject"] = " ".join(subject.split())  # no line breaks can reach the header
        msg["Date"] = format_datetime(localtime())
        msg["Message-ID"] = normalize_message_id(message_id, domain)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to us
        msg.set_content(text, charset="utf-8", cte="base64")
        if html is not None:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
        return msg

    async def send(
        self, to: str, subject: str, text: str, html: str | None, message_id: str
    ) -> None:
        """Hand the message to the relay; raise Transient- or PermanentDeliveryError."""
        msg = self.build(to, subject, text, html, message_id)
        try:
            await aiosmtplib.send(
                msg,
                sender=self._sender_address,
                recipients=[msg["To"].addresses[0].addr_spec],
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
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _classify_refusal(exc.recipients[0] if exc.recipients else None) from exc
        except aiosmtplib.SMTPRecipientRefused as exc:
            raise _classify_refusal(exc) from exc
        except aiosmtplib.SMTPDataError as exc:
            raise _by_code(exc.code, f"message refused: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPAuthenticationError) as exc:
            # Our own configuration is wrong: every message would fail the same way.
            # Retrying (and then the dead-letter queue) keeps them until it is fixed.
            raise TransientDeliveryError(
                f"relay refused our sender or credentials: {exc.code} {exc.message}",
                code=exc.code,
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise TransientDeliveryError(
                f"SMTP error {exc.code} {exc.message}", code=exc.code
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(
                f"cannot reach the mail relay {self.host}:{self.port}: {exc}"
            ) from exc


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
