"""Secrets shared by every instance: in production nothing is generated per instance."""

from pathlib import Path

import pytest

from services.common.failover import amqp_urls, connection_kwargs
from services.document.platform_key import ensure_platform_certificate
from services.signing.credentials import access_code_key


def test_without_generate_keys_a_missing_platform_key_stops_the_process(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"platform-signature\.key\.pem"):
        ensure_platform_certificate(tmp_path / "mounted", generate=False)


def test_a_mounted_platform_key_is_loaded_as_given_without_generating(tmp_path: Path) -> None:
    made = ensure_platform_certificate(tmp_path / "made")
    loaded = ensure_platform_certificate(tmp_path / "made", generate=False)
    assert loaded.cert.dump() == made.cert.dump()


def test_without_generate_keys_a_missing_access_code_key_stops_the_process(
    tmp_path: Path,
) -> None:
    with pytest.raises(RuntimeError, match="SHOMEI_ACCESS_CODE_KEY"):
        access_code_key("", tmp_path, generate=False)
    assert access_code_key("k" * 32, tmp_path, generate=False) == b"k" * 32


def test_instances_on_one_folder_share_the_generated_access_code_key(tmp_path: Path) -> None:
    assert access_code_key("", tmp_path) == access_code_key("", tmp_path, generate=False)


def test_a_comma_separated_amqp_url_is_a_cluster_tried_in_turn() -> None:
    urls = "amqp://g:g@127.0.0.1:1/, amqp://g:g@127.0.0.1:2/,"
    assert amqp_urls(urls) == ["amqp://g:g@127.0.0.1:1/", "amqp://g:g@127.0.0.1:2/"]
    kwargs = connection_kwargs(urls)
    assert [str(u) for u in kwargs["connection_class"].URLS] == amqp_urls(urls)
    assert kwargs["fail_fast"] is False
    assert connection_kwargs("amqp://g:g@127.0.0.1:1/") == {}
    with pytest.raises(ValueError):
        amqp_urls(" , ")
