"""Health of one service instance, as a Kubernetes exec probe asks it.

    python -m services.common.health <service> [--instance ID | --any]

Exit 0 when the instance answers, 1 otherwise. Each instance answers on a queue of its
own, `<service>.health.<instance>` (SHOMEI_INSTANCE_ID, else the host name: a pod's
name), so the probe run inside a pod judges that very pod: its event loop, its broker
connection and its consumers. Asking `<service>.query` instead would be answered by any
healthy instance and keep a stuck one alive forever. `--any` asks the service as a whole
(the shared query queue), as an operator checks that some instance serves.
"""

import argparse
import asyncio
import sys

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker
from faststream.rabbit.annotations import RabbitMessage

from services.common.bus import instance_health_queue
from services.common.messages import Answer
from services.common.queries import Health
from services.common.rpc import QueryClient, QueryFailed, ServiceUnavailable
from services.common.settings import get_settings
from services.common.views import HealthView

SERVICES = ("document", "signing", "seal", "notify", "webhooks")


def answer_instance_health(broker: RabbitBroker, service: str, instance: str) -> None:
    """Subscribe this instance's own health queue (left out of the AsyncAPI document: its
    name differs per instance)."""

    @broker.subscriber(
        instance_health_queue(service, instance),
        ack_policy=AckPolicy.ACK,
        no_reply=True,
        include_in_schema=False,
    )
    async def health(body: Health, message: RabbitMessage) -> None:
        if not message.reply_to:
            return
        view = HealthView(service=service, instance=instance)
        await broker.publish(
            Answer(ok=True, data=view.model_dump(mode="json")).model_dump(mode="json"),
            routing_key=message.reply_to,
            correlation_id=message.correlation_id,
            mandatory=False,
        )


async def check(amqp_url: str, service: str, timeout: float, instance: str | None) -> bool:
    """True when `instance` of `service` answers (any instance when None)."""
    queries = QueryClient(amqp_url, timeout)
    try:
        await asyncio.wait_for(queries.connect(), timeout)
        await queries.ask(service, Health(), instance=instance)
        return True
    except (ServiceUnavailable, QueryFailed, TimeoutError, OSError):
        return False
    finally:
        await queries.close()


def main(argv: list[str]) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m services.common.health")
    parser.add_argument("service", choices=SERVICES)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--instance", help="default: SHOMEI_INSTANCE_ID, else the host name")
    which.add_argument("--any", action="store_true", help="any instance of the service")
    args = parser.parse_args(argv)
    instance = None if args.any else (args.instance or settings.instance)
    healthy = asyncio.run(check(settings.amqp_url, args.service, settings.query_timeout, instance))
    who = args.service if instance is None else f"{args.service} instance {instance}"
    print(f"{who}: {'healthy' if healthy else 'not answering'}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
