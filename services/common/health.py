"""`python -m services.common.health <service>`: exit 0 when the service answers its
health query through the broker, 1 otherwise; what a Kubernetes exec probe runs.

It proves the broker is reachable from this pod and that the service answers there;
which instance answers is RabbitMQ's choice, so a stuck instance is caught by its own
consumer timeout and redelivery, not by this probe.
"""

import asyncio
import sys

from services.common.queries import Health
from services.common.rpc import QueryClient, QueryFailed, ServiceUnavailable
from services.common.settings import get_settings

SERVICES = ("document", "signing", "seal", "notify")


async def check(service: str, timeout: float) -> bool:
    queries = QueryClient(get_settings().amqp_url, timeout)
    try:
        await asyncio.wait_for(queries.connect(), timeout)
        await queries.ask(service, Health())
        return True
    except (ServiceUnavailable, QueryFailed, TimeoutError, OSError):
        return False
    finally:
        await queries.close()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python -m services.common.health {{{','.join(SERVICES)}}}", file=sys.stderr)
        return 2
    healthy = asyncio.run(check(argv[0], get_settings().query_timeout))
    print(f"{argv[0]}: {'healthy' if healthy else 'not answering'}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
