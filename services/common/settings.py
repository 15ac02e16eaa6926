"""Every knob of every process, read from `SHOMEI_*` environment variables in one place.

Each field is one variable (`var_dir` is `SHOMEI_VAR_DIR`) with its default and its
meaning here and nowhere else: the services, the gateway, the operator commands,
`./run up` and the tests all read them through `Settings`. The README's table of
variables is printed by `python -m services.common.settings` (a test keeps it in step).
Fields whose default is empty get it from other fields once all are read, so one port
moves everything that points at it.
"""

import socket
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "SHOMEI_"
IPAEX_MINCHO = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
"""Where Debian's fonts-ipaexfont-mincho puts IPAex Mincho."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    var_dir: Path = Field(
        Path("var"),
        description="where stores, blobs, keys and logs go (relative: to the working folder, "
        "the checkout under `./run`)",
    )
    store: str = Field(
        "",
        description="`sqlite:///<folder>` (one file per service) or a `mongodb://` URL "
        "(one database per service); empty: `sqlite:///<SHOMEI_VAR_DIR>`",
    )
    blobs: str = Field("", description="`file:///<folder>` or `gridfs`; empty: follows the store")

    amqp_url: str = Field(
        "",
        description="the RabbitMQ broker: one URL, or a cluster's nodes as a comma-separated "
        "list that every process tries in turn on each (re)connect; empty: `./run up`'s node, "
        "`amqp://guest:guest@127.0.0.1:<SHOMEI_AMQP_PORT>/`",
    )
    cluster: int = Field(
        1,
        description="`./run up`: RabbitMQ nodes to start and join into one cluster on "
        "consecutive ports from SHOMEI_AMQP_PORT and SHOMEI_RABBIT_DIST_PORT (3 tries a cluster)",
    )
    quorum_size: int = Field(
        0,
        description="replicas of each quorum queue (`x-quorum-initial-group-size`); 0: "
        "RabbitMQ's default, every node of the cluster",
    )
    instance_id: str = Field(
        "",
        description="this process's name among the instances of its service: its health "
        "probe asks exactly this instance (`<service>.health.<id>`); empty: the host name "
        "(a Kubernetes pod's name)",
    )
    amqp_port: int = Field(5673, description="`./run up`'s RabbitMQ node: AMQP port")
    rabbit_dist_port: int = Field(
        25673, description="`./run up`'s RabbitMQ node: Erlang distribution port"
    )
    epmd_port: int = Field(24369, description="`./run up`'s RabbitMQ node: its own epmd port")
    rabbitmq_bin: Path = Field(
        Path("/usr/lib/rabbitmq/bin"),
        description="folder of `rabbitmq-server` and `rabbitmqctl` (Debian's rabbitmq-server)",
    )

    public_url: str = Field(
        "",
        description="base of the links in mails and SMS; empty: "
        "`http://<SHOMEI_GATEWAY_HOST>:<SHOMEI_GATEWAY_PORT>`",
    )
    gateway_host: str = Field("127.0.0.1", description="where the gateway listens")
    gateway_port: int = Field(8000, description="where the gateway listens")

    query_timeout: float = Field(
        5.0, description="seconds a caller waits for a service's answer before giving up"
    )
    delivery_limit: int = Field(
        5, description="deliveries of a failing message before it is dead-lettered"
    )
    prefetch: int = Field(32, description="unacknowledged messages a consumer holds at once")
    shutdown_grace: float = Field(
        8.0,
        description="seconds a service has on SIGTERM to finish the handlers in flight and "
        "relay their events; under the 10 s supervisors wait before SIGKILL",
    )
    processed_events_keep_days: float = Field(
        30.0,
        gt=0,
        description="days a service remembers the events it handled, so a redelivered or "
        "replayed copy is not handled twice; older records are swept",
    )
    idempotency_keep_seconds: float = Field(
        24 * 3600.0,
        description="seconds a command's reply is kept under its idempotency key for retries",
    )
    retry_delays: list[float] = Field(
        [2.0, 10.0, 30.0, 120.0, 600.0, 1800.0],
        description="seconds a failed message waits before each retry, as a JSON list; one "
        "delay queue per distinct delay, named after it",
    )
    redelivery_limit: int = Field(
        50, description="consumer crashes a message may survive where failures retry by delay"
    )

    smtp_host: str = Field("127.0.0.1", description="outgoing mail server")
    smtp_port: int = Field(
        1025, description="outgoing mail server's port (under `./run up`: the catcher's SMTP)"
    )
    mail_from: str = Field("Shomei <no-reply@shomei.local>", description="sender of every mail")
    smtp_use_tls: bool = Field(False, description="implicit TLS to the mail server (port 465)")
    smtp_start_tls: bool | None = Field(
        None, description="STARTTLS: empty = when offered, true = required, false = never"
    )
    smtp_username: str = Field("", description="login at the mail server; empty: none")
    smtp_password: str = Field("", description="password at the mail server")
    smtp_pool_size: int = Field(
        16, description="open SMTP connections each notify worker keeps and reuses"
    )
    notify_in_flight: int = Field(
        64,
        ge=1,
        description="notifications (per channel) a notify worker works on at once; their "
        "store writes are committed together, so more in flight means fewer, larger commits",
    )
    smtp_rate: float = Field(0, description="mails a second per notify worker; 0: no limit")
    sms_rate: float = Field(0, description="SMS a second per notify worker; 0: no limit")
    notify_workers: int = Field(
        1, ge=1, le=32, description="notify processes `./run up` starts; they share one queue"
    )
    catcher_port: int = Field(
        8025, description="`./run up`'s mail and SMS catcher: HTTP port (inbox API, SMS API)"
    )
    catcher_url: str = Field(
        "", description="the catcher's inbox API; the gateway shows it on /dev/inbox when set"
    )
    sms_api_url: str = Field(
        "",
        description="base URL of a Twilio-compatible SMS API (`https://api.twilio.com` for "
        "real SMS); empty: the catcher's, `http://127.0.0.1:<SHOMEI_CATCHER_PORT>/twilio`",
    )
    twilio_account_sid: str = Field("ACshomeilocal", description="the SMS API's account SID")
    twilio_auth_token: str = Field("local", description="the SMS API's auth token")
    sms_from: str = Field("+15005550006", description="sender number of every SMS")

    access_code_key: str = Field(
        "",
        description="key of the access codes' keyed hash (HMAC-SHA256); empty: generated once "
        "in <SHOMEI_VAR_DIR>/keys/access-code.key. Give it when signing runs on more than one "
        "machine",
    )
    generate_keys: bool = Field(
        True,
        description="make the platform's CA and signing key and the access-code key at "
        "first start when missing (one machine, `./run up`, tests); false in production: "
        "they must be mounted or given, and a missing one stops the process",
    )
    platform_key_dir: Path | None = Field(
        None,
        description="folder of the platform's PEMs (`root-ca.cert.pem`, "
        "`platform-signature.key.pem`, `platform-signature.cert.pem`, optionally "
        "`root-ca.key.pem`), e.g. a mounted secret; empty: <SHOMEI_VAR_DIR>/platform",
    )
    demo_api_key: str = Field(
        "", description="when set, the gateway makes sure a demo tenant has this API key"
    )
    tsa_url: str = Field(
        "",
        description="RFC 3161 time-stamp authority for the finished PDF (PAdES-B-T); "
        "empty: no time-stamp (PAdES-B-B)",
    )
    max_upload_bytes: int = Field(20 * 1024 * 1024, description="largest PDF upload, in bytes")
    max_pages: int = Field(200, description="most pages an uploaded PDF may have")
    clock_offset: float = Field(
        0.0,
        description="seconds added to the signing service's clock; tests move time forward "
        "with it to see reminders and expiry without waiting days",
    )
    sweep_seconds: float = Field(
        30.0,
        description="how often the signing service looks for envelopes with a reminder or "
        "expiry due",
    )
    jp_font: Path | None = Field(
        None,
        description="TrueType (.ttf) font for Japanese text in PDFs; empty: IPAex Mincho "
        "from fonts-ipaexfont-mincho",
    )
    seal_font: Path = Field(
        IPAEX_MINCHO,
        description="font the 印影 are drawn with first; characters it lacks come from IPAmj "
        "Mincho, then Noto CJK",
    )
    log_level: str = Field("INFO", description="log level of every process")
    max_json_bytes: int = Field(
        1024 * 1024, description="largest API request body that is not an upload, in bytes"
    )
    idempotency_hours: float = Field(
        24.0, description="how long an `Idempotency-Key` answers a retry with the first answer"
    )
    idempotency_lock_seconds: float = Field(
        60.0,
        description="how long a running request holds its `Idempotency-Key` before another "
        "gateway may take it over (a gateway that died mid-request)",
    )
    edge_sweep_seconds: float = Field(
        300.0,
        description="how often each gateway deletes expired `Idempotency-Key` answers and "
        "rate counters",
    )
    rate_limit_window_seconds: int = Field(60, description="the window API requests count in")
    rate_limit_per_key: int = Field(1200, description="API requests one key may make per window")
    rate_limit_per_tenant: int = Field(
        3000, description="API requests all of one agency's keys together may make per window"
    )
    webhook_timeout: float = Field(
        10.0, description="seconds one webhook attempt may take before it counts as failed"
    )
    webhook_retry_delays: list[float] = Field(
        [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200, 43200, 43200, 43200],
        description="seconds before each retry of a failed webhook delivery (JSON list; about "
        "3 days in all); one delay queue each, so a changed entry means deleting that queue",
    )
    webhook_secret_overlap_hours: float = Field(
        24.0, description="how long a rotated webhook secret keeps signing beside the new one"
    )
    webhook_prefetch: int = Field(
        64, description="webhook deliveries one worker attempts at the same time"
    )
    webhook_allowed_networks: str = Field(
        "",
        description="networks webhooks may reach although they are internal, comma-separated "
        "(e.g. `127.0.0.0/8,::1`); empty: public addresses only. Tests and `./run up` allow "
        "loopback for local receivers; production leaves it empty",
    )
    python: str = Field(
        "", description="the Python 3.13 `./run` uses (read by `./run` itself); empty: found"
    )

    @field_validator("jp_font", "platform_key_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("retry_delays", "webhook_retry_delays", mode="before")
    @classmethod
    def _delays_from_text(cls, value: object) -> object:
        """`[5, 30]` from the environment, or `(5.0, 30.0)` as a child gets it back."""
        if isinstance(value, str):
            return tuple(float(v) for v in value.strip("[]() ").split(",") if v.strip())
        return value

    @model_validator(mode="after")
    def _derived(self) -> Self:
        """Fill the empty fields that follow others."""
        if not self.store:
            self.store = f"sqlite:///{self.var_dir}"
        if not self.amqp_url:
            self.amqp_url = f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"
        if not self.public_url:
            self.public_url = self.gateway_url
        if not self.sms_api_url:
            self.sms_api_url = f"http://127.0.0.1:{self.catcher_port}/twilio"
        return self

    @property
    def gateway_url(self) -> str:
        """Where this machine reaches the gateway (a wildcard host means loopback)."""
        host = "127.0.0.1" if self.gateway_host in ("0.0.0.0", "::") else self.gateway_host
        return f"http://{host}:{self.gateway_port}"

    @property
    def instance(self) -> str:
        """This process's instance name: SHOMEI_INSTANCE_ID, else the host name."""
        return self.instance_id or socket.gethostname()

    @property
    def platform_dir(self) -> Path:
        return self.platform_key_dir or self.var_dir / "platform"

    @property
    def blob_url(self) -> str:
        if self.blobs:
            return self.blobs
        if self.store.startswith("mongodb"):
            return "gridfs"
        return f"file://{(self.var_dir / 'blobs').resolve()}"


def variable(field: str) -> str:
    """The environment variable of a field: `var_dir` → `SHOMEI_VAR_DIR`."""
    return PREFIX + field.upper()


def environment_table() -> str:
    """The README's table of variables, from the fields."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "empty" if default in ("", None) else f"`{default}`"
        rows.append(f"| `{variable(name)}` | {shown} | {field.description} |")
    return "\n".join(rows) + "\n"


class _FromMapping(Settings):
    """Reads only the values given to it, never the process environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def settings_from(env: Mapping[str, str]) -> Settings:
    """Settings from an environment other than this process's (`./run up`'s children)."""
    values = {name: env[variable(name)] for name in Settings.model_fields if variable(name) in env}
    return _FromMapping(**values)


def settings_env(settings: Settings) -> dict[str, str]:
    """Every non-empty field as its environment variable, for a child process."""
    return {
        variable(name): str(value)
        for name, value in settings.model_dump().items()
        if value not in ("", None)
    }


@lru_cache
def get_settings() -> Settings:
    return Settings()


if __name__ == "__main__":
    sys.stdout.write(environment_table())
