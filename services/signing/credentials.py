"""Secrets a signer holds, and how they are kept: used by the handlers, never by the model.

Only hashes are stored. Link tokens and access sessions are long random strings, so one
SHA-256 is enough. Access codes are short and guessable (a birth date is one of ≈36,500
values), so no salted hash stored beside them would survive a leak of the database; they
get a keyed hash (HMAC-SHA256) whose key lives outside the database, and the attempt limit
is the real defence.
"""

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

_PREFIX = "hmac-sha256$"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessCodes:
    """Keyed hashes of access codes, compared in constant time; the key is read at start."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._load = key
        self._key: bytes | None = None

    def load(self) -> None:
        key = self._load()
        if len(key) < 16:
            raise ValueError("the access-code key must be at least 16 bytes")
        self._key = key

    def digest(self, code: str) -> str:
        if self._key is None:
            self.load()
        assert self._key is not None
        mac = hmac.new(self._key, code.strip().encode(), hashlib.sha256)
        return _PREFIX + mac.hexdigest()

    def matches(self, code: str, digest: str | None) -> bool:
        if digest is None:
            return False
        return hmac.compare_digest(self.digest(code), digest)


def access_code_key(configured: str, var_dir: Path, generate: bool = True) -> bytes:
    """The configured key, else the one generated under `var_dir` at first start.

    Several signing processes on one machine race to create the file: the first link wins,
    the others read what it wrote. Processes on several machines must be given the key;
    with `generate` false a missing key stops the process instead of splitting the fleet.
    """
    if configured:
        return configured.encode()
    path = var_dir / "keys" / "access-code.key"
    if not path.exists() and not generate:
        raise RuntimeError(
            f"no access-code key: set SHOMEI_ACCESS_CODE_KEY or mount {path} "
            "(or SHOMEI_GENERATE_KEYS=true on a single machine)"
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()
