"""The floor under a notify worker, for `bench/notify.py`: the same broker (FastStream,
the same middlewares, prefetch and confirms), the same queue, the same rendering, encoding
and pooled aiosmtplib sends, on uvloop, and nothing else: no claim, no ledger, no journal,
no outcome event. A real worker cannot be faster than this; what it spends beyond it is
the price of sending each notification once and telling the sender about it.

    python -m bench.notify_floor       # with the worker's SHOMEI_* environment
"""

import asyncio
import logging

import uvloop
from faststream import FastStream
from faststream.rabbit import RabbitBroker

from services.common.bus import EVENTS, event_queue, make_broker
from services.common.events import NotificationRequested
from services.notify.handlers import worker_settings
from services.notify.mail import MailSender
from services.notify.ratelimit import RateLimit
from services.notify.templates import render


def build() -> tuple[FastStream, RabbitBroker]:
    settings = worker_settings()
    broker = make_broker(settings, "notify")
    mail = MailSender(
        settings.smtp_host,
        settings.smtp_port,
        settings.mail_from,
        pool_size=settings.smtp_pool_size,
        rate=RateLimit(settings.smtp_rate),
    )
    slots = asyncio.Semaphore(settings.notify_in_flight)
    queue = event_queue("notify", "send", NotificationRequested, settings.redelivery_limit)

    @broker.subscriber(queue, exchange=EVENTS)
    async def send(event: NotificationRequested) -> None:
        async with slots:
            message = render(event.params, event.channel, event.locale)
            await mail.send(
                event.to, message.subject, message.text, message.html, event.notification_id
            )

    app = FastStream(broker)

    @app.after_startup
    async def ready() -> None:
        logging.getLogger(__name__).warning("notify floor ready")

    app.after_shutdown(mail.aclose)
    return app, broker


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    application, _ = build()
    asyncio.run(application.run(), loop_factory=uvloop.new_event_loop)
