"""How a delivery failed, in the two kinds the notify service acts on.

A transient failure is retried with growing delay (the outside world may recover); a
permanent one is recorded and reported to the sender (B4) and never retried.
"""


class DeliveryError(Exception):
    """A message could not be handed to the mail server or the SMS provider."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        """The SMTP reply code or the SMS provider's error code, when there is one."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: connection refused, timeout, 4xx, provider 5xx."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: the address or number is invalid or refused for good."""


class InvalidPhoneNumber(PermanentDeliveryError, ValueError):
    """Not a Japanese mobile number (070/080/090, 11 digits) nor an E.164 number."""
