"""Download names (D5): any title becomes a safe `Content-Disposition`, RFC 5987 for the
Japanese one and a plain ASCII name for clients that read no other."""

from urllib.parse import unquote

import pytest

from gateway.api.common import attachment


def parts(header: str) -> tuple[str, str]:
    plain = header.split('filename="')[1].split('"')[0]
    return plain, unquote(header.split("filename*=UTF-8''")[1])


@pytest.mark.parametrize(
    ("name", "plain", "full"),
    [
        ("建物賃貸借契約書 101号室", "fallback.pdf", "建物賃貸借契約書 101号室.pdf"),
        ("Lease 2026 (final)", "Lease 2026 (final).pdf", "Lease 2026 (final).pdf"),
        ("lease.PDF", "lease.PDF", "lease.PDF"),
        ('a/b\\c"d;e%f', "a_b_c_d_e_f.pdf", "a_b_c_d_e_f.pdf"),
        ("契約\r\nX-Injected: 1", "fallback.pdf", "契約_X-Injected_ 1.pdf"),
        ("..", "fallback.pdf", "fallback.pdf"),
        ("", "fallback.pdf", "fallback.pdf"),
    ],
)
def test_a_download_is_named_after_its_title_safely_in_both_forms_d5(name, plain, full):
    header = attachment(name, "fallback.pdf")
    assert header.startswith("attachment; ") and header.isascii()
    assert "\r" not in header and "\n" not in header
    assert parts(header) == (plain, full)
