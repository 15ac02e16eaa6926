"""Send one SMS through Twilio's REST API (or a local server speaking it).

The real twilio client is used with its asynchronous HTTP client; `api_url` replaces
Twilio's base URL (its edge/region settings cannot point at a local server), so the dev
catcher and the tests' stand-in receive exactly what Twilio would.
"""

import asyncio
import re
import unicodedata
from types import TracebackType
from typing import Self

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from services.notify.errors import (
    InvalidPhoneNumber,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from services.notify.ratelimit import RateLimit

_JP_MOBILE = re.compile(r"^0[789]0\d{8}$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー－()（）.]")

# Provider answers that say "later" rather than "never": bad credentials (our
# configuration, fixed by an operator), request timeout, conflict, rate limiting.
_RETRYABLE_4XX = frozenset({401, 408, 409, 429})


def to_e164_jp(number: str) -> str:
    """09012345678 → +819012345678; an E.164 number passes through.

    Accepts the common ways people type a number (hyphens, spaces, full-width digits,
    `+81 90-…` or `+81 090-…`); anything that is not a Japanese mobile number
    (070/080/090, 11 digits) or an E.164 number raises InvalidPhoneNumber.
    """
    if not isinstance(number, str):
        raise InvalidPhoneNumber(f"not a phone number: {number!r}")
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", number))
    if compact.startswith("+810"):  # "+81 090-…": the trunk 0 written by habit
        compact = "+81" + compact[4:]
    if _JP_MOBILE.match(compact):
        return "+81" + compact[1:]
    if _E164.match(compact):
        if compact.startswith("+81") and not _JP_MOBILE.match("0" + compact[3:]):
            raise InvalidPhoneNumber(f"not a Japanese mobile number: {number!r}")
        return compact
    raise InvalidPhoneNumber(f"not a Japanese mobile number nor E.164: {number!r}")


class SmsSender:
    """One Twilio account. Keeps one HTTP session; close it with `aclose()` or `async with`.

    The session is made on first use, inside the running event loop that will use it.
    """

    def __init__(
        self,
        api_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        timeout: float = 15.0,
        *,
        status_callback: str | None = None,
        rate: RateLimit | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.account_sid = account_sid
        self.from_number = from_number
        self.timeout = timeout
        self._auth_token = auth_token
        self.status_callback = status_callback or None
        self._rate = rate or RateLimit(0)
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None

    def _get_client(self) -> Client:
        if self._client is None:
            self._http = AsyncTwilioHttpClient()
            client = Client(self.account_sid, self._auth_token, http_client=self._http)
            client.api.base_url = self.api_url
            self._client = client
        return self._client

    async def send(self, to: str, body: str) -> str:
        """Send `body` to `to`; return the provider's message sid (SM…)."""
        to_e164 = to_e164_jp(to)
        client = self._get_client()
        await self._rate.wait()
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        try:
            async with asyncio.timeout(self.timeout):
                message = await client.messages.create_async(
                    to=to_e164, from_=self.from_number, body=body, **extra
                )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _classify(exc) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(f"cannot reach the SMS provider: {exc!r}") from exc
        except TwilioException as exc:
            raise TransientDeliveryError(f"SMS provider error: {exc!r}") from exc
        if not message.sid:
            raise TransientDeliveryError("the SMS provider answered without a message sid")
        return message.sid

    async def aclose(self) -> None:
        """Close the HTTP session (an unclosed aiohttp session leaks its connector)."""
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _classify(exc: TwilioRestException | TwilioServiceException) -> Exception:
    status = int(exc.status or 0)
    code = exc.code
    text = exc.msg if isinstance(exc, TwilioRestException) else (exc.detail or exc.title)
    message = f"SMS provider answered {status} (code {code}): {text}"
    if 400 <= status < 500 and status not in _RETRYABLE_4XX:
        return PermanentDeliveryError(message, code=code)
    return TransientDeliveryError(message, code=code)
