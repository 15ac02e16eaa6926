"""The notify service process: email and SMS; scale it by running more of it."""

from services.common.events import (
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
    NotificationSuppressed,
)
from services.common.notifications import SMS_STATUS_PATH, ListEnvelopeMessages, ReportSmsStatus
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings
from services.common.store.sqlite import SqliteStore
from services.notify.handlers import COLLECTIONS, NotifyHandlers, worker_settings
from services.notify.journal import SendJournal
from services.notify.mail import MailSender
from services.notify.numbers import ImportedNumberHistory
from services.notify.presence import Presence
from services.notify.ratelimit import RateLimit
from services.notify.sms import SmsSender


def build(
    settings: Settings | None = None, name: str = "notify"
) -> tuple[ServiceRuntime, NotifyHandlers]:
    """The service; tests give each instance its own `name`, hence its own queues."""
    runtime = ServiceRuntime(name, COLLECTIONS, worker_settings(settings))
    if isinstance(runtime.store, SqliteStore):
        # A ledger of sends: its commits must outlive a killed worker, not an OS crash
        # (the send journal does not either); an fsync per commit adds two fifths to its
        # CPU (bench/store.py: 256 µs a commit with it, 181 µs without).
        runtime.store.synchronous = "NORMAL"
    settings = runtime.settings
    presence = Presence(settings.amqp_url, runtime.name)
    handlers = NotifyHandlers(
        runtime.in_unit_of_work,
        MailSender(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            start_tls=settings.smtp_start_tls,
            use_tls=settings.smtp_use_tls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            pool_size=settings.smtp_pool_size,
            rate=RateLimit(settings.smtp_rate),
        ),
        SmsSender(
            settings.sms_api_url,
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.sms_from,
            status_callback=settings.public_url.rstrip("/") + SMS_STATUS_PATH,
            rate=RateLimit(settings.sms_rate),
        ),
        ImportedNumberHistory(runtime.in_unit_of_work),
        presence,
        SendJournal(settings.var_dir / f"{runtime.name}-journal", presence.worker_id),
        slots=settings.notify_in_flight,
    )
    runtime.answer(
        {ListEnvelopeMessages: handlers.envelope_messages, ReportSmsStatus: handlers.sms_status}
    )
    runtime.publishes(
        NotificationDelivered, NotificationFailed, NotificationSuppressed, NotificationRequested
    )
    runtime.app.on_startup(handlers.start)
    runtime.app.after_shutdown(handlers.close)

    @runtime.on_event("send", NotificationRequested, retry=True)
    async def on_notification_requested(event: NotificationRequested) -> None:
        await handlers.deliver(event)

    return runtime, handlers


runtime, handlers = build()
app = runtime.app
