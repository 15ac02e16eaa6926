"""Every knob of every process, read from `SHOMEI_*` environment variables in one place."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOMEI_", extra="ignore")

    var_dir: Path = Path("var")
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    store: str = "sqlite:///var"
    """`sqlite:///<folder>` (one file per service) or a `mongodb://` URL (one database each)."""
    blobs: str = ""
    """`file:///<folder>` or `gridfs`; empty means: follow `store`."""

    public_url: str = "http://127.0.0.1:8000"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000

    query_timeout: float = 5.0
    delivery_limit: int = 5
    prefetch: int = 32

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "Shomei <no-reply@shomei.local>"
    sms_api_url: str = "http://127.0.0.1:8025/twilio"
    twilio_account_sid: str = "ACshomeilocal"
    twilio_auth_token: str = "local"
    sms_from: str = "+15005550006"
    catcher_url: str = ""
    """The dev mail/SMS catcher's inbox API; the gateway shows it on /dev/inbox when set."""

    tsa_url: str = ""
    max_upload_bytes: int = 20 * 1024 * 1024
    max_pages: int = 200

    access_code_key: str = ""
    """Key of the access codes' keyed hash; empty: generated once in var/keys/access-code.key.
    Give it when signing runs on more than one machine."""

    demo_api_key: str = ""
    """When set, the gateway makes sure the demo tenant exists with this API key."""

    @property
    def blob_url(self) -> str:
        if self.blobs:
            return self.blobs
        if self.store.startswith("mongodb"):
            return "gridfs"
        return f"file://{(self.var_dir / 'blobs').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
