"""The demo staff login `./run up` prints beside the demo API key."""

import hashlib
import hmac

DEMO_LOGIN = "demo"


def demo_password(demo_api_key: str) -> str:
    """Derived from the demo API key, so `./run up` can print it without keeping a second
    secret; letters and digits, as the password rule asks."""
    digest = hmac.new(demo_api_key.encode(), b"console demo login", hashlib.sha256).hexdigest()
    return f"demo{digest[:10]}7"
