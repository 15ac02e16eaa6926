"""What one access-code check costs: the keyed hash now, and the salted PBKDF2 before it.

uv run python -m bench.access_code
"""

import hashlib
import secrets
import timeit

from services.signing.credentials import AccessCodes

ROUNDS = 20_000


def main() -> None:
    codes = AccessCodes(lambda: secrets.token_hex(32).encode())
    digest = codes.digest("19850505")
    seconds = timeit.timeit(lambda: codes.matches("19850506", digest), number=ROUNDS)
    print(f"HMAC-SHA256 check: {seconds / ROUNDS * 1e6:.1f} µs per attempt")
    salt = secrets.token_bytes(16)
    pbkdf2 = timeit.timeit(
        lambda: hashlib.pbkdf2_hmac("sha256", b"19850505", salt, 20_000), number=50
    )
    print(f"PBKDF2 (20,000 iterations), as before: {pbkdf2 / 50 * 1e3:.1f} ms per attempt")


if __name__ == "__main__":
    main()
