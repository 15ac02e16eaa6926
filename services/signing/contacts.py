"""Where a party can be reached: an e-mail address a mail server takes, a Japanese mobile
number SMS can reach (S7). Anything else is refused when the envelope is made, not found
out when the mail bounces."""

import re

from email_validator import EmailNotValidError, validate_email

JP_MOBILE = re.compile(r"^0([789]0\d{8})$")
E164_JP_MOBILE = re.compile(r"^\+81([789]0\d{8})$")
ACCESS_CODE = re.compile(r"^[A-Za-z0-9]+$")


def normal_email(address: str) -> str | None:
    """The address as a mail server takes it (domain lower-cased), or None when it is not
    one address: `a,b@x.jp`, `<x@y.jp>`, a NUL or a space are not."""
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return checked.ascii_email or checked.normalized


def normal_mobile(number: str) -> str | None:
    """A Japanese mobile number (070/080/090, 11 digits, no hyphens) as E.164 (+81…);
    an E.164 Japanese mobile number passes through; anything else is None."""
    if match := JP_MOBILE.match(number) or E164_JP_MOBILE.match(number):
        return "+81" + match.group(1)
    return None


def is_access_code(code: str) -> bool:
    """Letters and digits, any length (S9)."""
    return bool(ACCESS_CODE.match(code))
