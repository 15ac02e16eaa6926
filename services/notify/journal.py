"""What a worker has handed over, noted the instant the relay or provider accepted it.

A store write after the mail server's 250 can take milliseconds to tens of milliseconds
(a transaction, a lock other workers hold); a kill inside that time used to mean a second
mail, because the worker that takes over the claim cannot tell "sent, not yet recorded"
from "never sent". So each worker appends the notification id to a file of its own with
one `write()` before anything else happens after the 250: the kernel keeps the bytes
when the process is killed (no fsync; an OS crash may lose them, as it may lose the
mail server's queue). A worker taking over a dead holder's claim reads that holder's
journal and records the notification as sent instead of sending it again.

What is left of the window is the time from the last byte of the mail leaving to this
write: the server's reply on the loopback or the network, and one turn of the event loop.
Takers see the journals of the workers that share this folder: every worker of one
SQLite store does (they share one machine); workers on other machines (a MongoDB store)
need the folder shared, or they fall back to the store's record alone.
"""

import contextlib
import os
import time
from pathlib import Path

ROTATE_BYTES = 256 * 1024
"""A journal only has to hold the ids whose store record is not committed yet."""
KEEP_DEAD_SECONDS = 24 * 3600.0
"""A dead worker's journal is read by whoever takes over its claims, within seconds."""
CHECK_SECONDS = 600.0
"""How often a worker makes sure its journal was not swept while it sat idle for a day."""


class SendJournal:
    def __init__(self, folder: Path, worker_id: str) -> None:
        self.folder = folder
        self.worker_id = worker_id
        self._fd: int | None = None
        self._unrecorded: dict[str, str] = {}
        self._size = 0
        self._checked = 0.0

    def _path(self, worker_id: str) -> Path:
        return self.folder / f"{worker_id}.sent"

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sweep()
        self._reopen()

    def _reopen(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = os.open(self._path(self.worker_id), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self._checked = time.monotonic()

    def close(self) -> None:
        """After the last record was committed: nothing here is needed any more."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            if not self._unrecorded:
                self._path(self.worker_id).unlink(missing_ok=True)

    def note(self, notification_id: str, provider_id: str | None = None) -> None:
        """One write, no await: the bytes are the kernel's before the next instruction."""
        line = f"{notification_id} {provider_id or '-'}\n".encode()
        if self._fd is not None:
            if time.monotonic() - self._checked > CHECK_SECONDS:
                if os.fstat(self._fd).st_nlink == 0:  # another worker swept it as a dead one's
                    self._reopen()
                self._checked = time.monotonic()
            os.write(self._fd, line)
        self._unrecorded[notification_id] = provider_id or "-"
        self._size += len(line)

    def recorded(self, notification_id: str) -> None:
        """The store holds the outcome now; a long journal is rewritten to what is not."""
        self._unrecorded.pop(notification_id, None)
        if self._size > ROTATE_BYTES and self._fd is not None:
            path = self._path(self.worker_id)
            fresh = path.with_suffix(".tmp")
            lines = "".join(f"{n} {p}\n" for n, p in self._unrecorded.items()).encode()
            fresh.write_bytes(lines)
            os.replace(fresh, path)  # a reader sees the old file or the new, both complete
            self._reopen()
            self._size = len(lines)

    def sent_by(self, worker_id: str, notification_id: str) -> tuple[bool, str | None]:
        """Whether `worker_id` noted this notification as handed over, with the provider's
        id for an SMS."""
        try:
            text = self._path(worker_id).read_text()
        except (FileNotFoundError, ValueError, OSError):
            return False, None
        for line in text.splitlines():
            nid, _, provider_id = line.partition(" ")
            if nid == notification_id:
                return True, None if provider_id in ("", "-") else provider_id
        return False, None

    def _sweep(self) -> None:
        """Journals of workers gone for a day are no use to anybody."""
        horizon = time.time() - KEEP_DEAD_SECONDS
        for path in self.folder.glob("*.sent"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < horizon:
                    path.unlink()
