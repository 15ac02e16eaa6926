"""The catcher's message store: JSON lines on disk so a restart of `./run up` keeps
the links a newcomer has not clicked yet; raw mails beside them as `.eml` files."""

import asyncio
import email
import email.policy
import json
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

Message = dict[str, Any]
"""id, channel (email|sms), to, from, subject, body, html, received_at, and extras."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _lf(text: object) -> str:
    """SMTP carries CRLF; the inbox shows plain newlines."""
    return str(text).replace("\r\n", "\n")


def parse_mail(raw: bytes) -> Message:
    """Subject, text and html bodies and attachment list of a raw RFC 5322 mail, decoded
    from whatever charset and transfer encoding it used (ISO-2022-JP, base64 UTF-8 …)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    html = _lf(html_part.get_content()) if html_part is not None else None
    if text_part is not None:
        body = _lf(text_part.get_content())
    else:
        body = re.sub(r"<[^>]+>", "", html or "")
    attachments = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        attachments.append(
            {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return {
        "subject": str(msg.get("subject", "")),
        "from": str(msg.get("from", "")),
        "headers_to": str(msg.get("to", "")),
        "message_id": str(msg.get("message-id", "")),
        "body": body,
        "html": html,
        "attachments": attachments,
    }


def _same_address(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


class Inbox:
    """Messages in arrival order, mirrored to `<data_dir>/messages.jsonl`.

    Status changes are appended as `{"update": id, "status": …}` lines rather than
    rewriting the file, and folded in again on load.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.messages: list[Message] = []
        self._arrived = asyncio.Event()
        self._closing = False

    def wake_all(self) -> None:
        """Answer every pending long-poll now (the catcher is stopping)."""
        self._closing = True
        self._arrived.set()

    @property
    def path(self) -> Path:
        return self.data_dir / "messages.jsonl"

    def _raw_path(self, message_id: str) -> Path | None:
        if not re.fullmatch(r"EM[0-9a-f]{32}", message_id):
            return None
        return self.data_dir / "raw" / f"{message_id}.eml"

    def load(self) -> None:
        self._closing = False
        self._arrived = asyncio.Event()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.messages = []
        if not self.path.exists():
            return
        by_id: dict[str, Message] = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if "update" in entry:
                if entry["update"] in by_id:
                    by_id[entry["update"]]["status"] = entry["status"]
            else:
                by_id[entry["id"]] = entry
                self.messages.append(entry)

    def _append(self, entry: Message) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def add(self, message: Message, raw: bytes | None = None) -> None:
        path = self._raw_path(message["id"])
        if raw is not None and path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(raw)
        self.messages.append(message)
        self._append(message)
        self._arrived.set()
        self._arrived = asyncio.Event()

    def set_status(self, message: Message, status: str) -> None:
        message["status"] = status
        self._append({"update": message["id"], "status": status})

    def get(self, message_id: str) -> Message | None:
        return next((m for m in self.messages if m["id"] == message_id), None)

    def raw(self, message_id: str) -> bytes | None:
        path = self._raw_path(message_id)
        return path.read_bytes() if path is not None and path.exists() else None

    def find(self, to: str | None = None, channel: str | None = None) -> list[Message]:
        """Newest first; `to` matches case-insensitively (mail addresses)."""
        return [
            m
            for m in reversed(self.messages)
            if (not to or _same_address(m["to"], to)) and (not channel or m["channel"] == channel)
        ]

    async def wait_for(self, to: str | None, channel: str | None, timeout: float) -> list[Message]:
        """`find`, but wait up to `timeout` seconds for a first match (long-poll)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        found = self.find(to, channel)
        while not found and not self._closing and (left := deadline - loop.time()) > 0:
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                break
            found = self.find(to, channel)
        return found

    def clear(self, to: str | None = None) -> int:
        """Forget every message (or those to `to`); returns how many went."""
        gone = [m for m in self.messages if not to or _same_address(m["to"], to)]
        gone_ids = {m["id"] for m in gone}
        self.messages = [m for m in self.messages if m["id"] not in gone_ids]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in self.messages),
            encoding="utf-8",
        )
        tmp.replace(self.path)
        for message_id in gone_ids:
            path = self._raw_path(message_id)
            if path is not None:
                path.unlink(missing_ok=True)
        return len(gone)
