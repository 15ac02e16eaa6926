"""Addresses the gateway serves that messages carry: the one place they are spelled."""

SIGNER_PAGES = "/s"
"""Prefix of the signer's pages; `/s/<token>` opens one party's link."""


def signer_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{SIGNER_PAGES}/{token}"
