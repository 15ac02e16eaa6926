"""Access codes as keyed hashes (G2): the key lives outside the database, the comparison is
constant-time, and the signing model itself hashes, draws and addresses nothing."""

import ast
import stat
from pathlib import Path

import pytest

from services.signing.credentials import AccessCodes, access_code_key

SIGNING = Path(__file__).resolve().parents[3] / "services" / "signing"


def test_the_key_is_generated_once_under_var_readable_only_by_its_owner(tmp_path):
    key = access_code_key("", tmp_path)
    path = tmp_path / "keys" / "access-code.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64
    assert access_code_key("", tmp_path) == key
    assert [p.name for p in path.parent.iterdir()] == ["access-code.key"]


def test_a_configured_key_wins_and_no_file_is_written(tmp_path):
    assert access_code_key("k" * 32, tmp_path) == b"k" * 32
    assert not (tmp_path / "keys").exists()


def test_a_code_matches_only_its_own_digest_under_the_same_key():
    codes = AccessCodes(lambda: b"a" * 32)
    digest = codes.digest("19850505")
    assert "19850505" not in digest
    assert codes.matches("19850505", digest)
    assert codes.matches(" 19850505 ", digest)
    assert not codes.matches("19850506", digest)
    assert not codes.matches("19850505", None)
    assert not AccessCodes(lambda: b"b" * 32).matches("19850505", digest)


def test_a_short_key_is_refused():
    with pytest.raises(ValueError):
        AccessCodes(lambda: b"short").load()


@pytest.mark.parametrize("module", ["model.py", "parties.py", "audit_trail.py"])
def test_the_signing_model_draws_no_randomness_keys_no_hash_and_knows_no_url(module):
    tree = ast.parse((SIGNING / module).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    forbidden = {"hmac", "secrets", "random", "uuid", "urllib", "new_id", "new_secret"}
    forbidden |= {"services.signing.credentials", "services.common.links", "signer_link"}
    assert not imported & forbidden
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert not [s for s in strings if isinstance(s, str) and ("/s/" in s or "http" in s)]
    if module != "audit_trail.py":
        assert "hashlib" not in imported
