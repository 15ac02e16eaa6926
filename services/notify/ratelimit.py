"""At most N messages a second to one provider from one worker (settings per provider).

Waiting here is the point of a rate limit: the wait is at most one interval per message
ahead in this worker, unlike a retry, which waits in the broker.
"""

import asyncio


class RateLimit:
    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self._interval:
            return
        now = asyncio.get_running_loop().time()
        at = max(now, self._next)
        self._next = at + self._interval
        if at > now:
            await asyncio.sleep(at - now)
