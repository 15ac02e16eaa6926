"""The notify service process: email and SMS; scale it by running more of it."""

from services.common.events import (
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
)
from services.common.runtime import ServiceRuntime
from services.notify.handlers import NotifyHandlers
from services.notify.mail import MailSender
from services.notify.repository import COLLECTIONS
from services.notify.sms import SmsSender

runtime = ServiceRuntime("notify", COLLECTIONS)
settings = runtime.settings
handlers = NotifyHandlers(
    runtime.in_unit_of_work,
    MailSender(settings.smtp_host, settings.smtp_port, settings.mail_from),
    SmsSender(
        settings.sms_api_url,
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.sms_from,
    ),
)

runtime.answer({})
runtime.app.after_shutdown(handlers.close)


@runtime.on_event("send", NotificationRequested)
async def on_notification_requested(event: NotificationRequested) -> None:
    await handlers.deliver(event)


runtime.publishes(NotificationDelivered, NotificationFailed)
app = runtime.app
