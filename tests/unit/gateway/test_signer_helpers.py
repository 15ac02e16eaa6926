"""The signer pages' helpers: the download's name (G7), what counts as a photo (G3), the
limit on guessed links, and the two languages saying the same things (B5)."""

import string
from types import SimpleNamespace
from urllib.parse import unquote

from gateway.signer.download import attachment
from gateway.signer.identity import image_type
from gateway.signer.texts import EN, JA
from gateway.signer.web import RateLimit


def test_g7_the_download_is_named_by_the_title_with_an_ascii_fallback():
    header = attachment("建物賃貸借契約書 No.12")
    fallback, star = header.removeprefix("attachment; ").split("; ")
    assert fallback == 'filename="No.12.pdf"'
    assert unquote(star.removeprefix("filename*=UTF-8''")) == "建物賃貸借契約書 No.12.pdf"


def test_g7_a_title_without_latin_letters_or_with_quotes_still_gives_a_safe_header():
    assert 'filename="contract.pdf"' in attachment("賃貸借契約書")
    header = attachment('a"b;c/d\r\n')
    assert "\r" not in header and "\n" not in header
    assert 'filename="abc／d.pdf"' not in header and 'filename="abcd.pdf"' in header


def test_g3_photos_are_known_by_their_first_bytes_not_their_names():
    assert image_type(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert image_type(b"\x89PNG\r\n\x1a\n\x00\x00") == "image/png"
    assert image_type(b"\x00\x00\x00\x18ftypheic\x00\x00") == "image/heic"
    assert image_type(b"%PDF-1.7\n") is None
    assert image_type(b"<svg xmlns=") is None
    assert image_type(b"") is None


def test_guessed_links_are_held_back_per_address_after_the_limit():
    limit = RateLimit(per_minute=3)
    request = SimpleNamespace(client=SimpleNamespace(host="198.51.100.7"))
    other = SimpleNamespace(client=SimpleNamespace(host="198.51.100.8"))
    for _ in range(3):
        assert not limit.blocked(request)
        limit.failed(request)
    assert limit.blocked(request) and not limit.blocked(other)


def test_b5_both_languages_have_every_text_with_the_same_placeholders():
    assert JA.keys() == EN.keys()
    for key in JA:
        assert sorted(_fields(JA[key])) == sorted(_fields(EN[key])), key


def _fields(text: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(text) if f]
