"""Number reassignment guard (S8): did a mobile number change hands after a date?

`NumberHistory` is what the notify service asks before every SMS; a carrier's API can
answer it later. The implementation here answers from records an operator imports, one
line per number with the date its holder last changed:

    python -m services.notify.numbers import FILE.csv      # number,changed_on

Numbers are stored in E.164 form in notify's store; a later import keeps the later date.
A file with any bad line is refused whole, each bad line named.
"""

import argparse
import asyncio
import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from services.common.settings import get_settings
from services.common.store import Collection, InUnitOfWork, UnitOfWork, open_store
from services.notify.errors import InvalidPhoneNumber
from services.notify.sms import to_e164_jp

COLLECTION = Collection("number_changes")


class NumberHistory(Protocol):
    async def changed_since(self, number: str, acquired_on: date) -> date | None:
        """The day `number` passed to a new holder after `acquired_on`, or None."""


class ImportedNumberHistory:
    def __init__(self, in_unit_of_work: InUnitOfWork) -> None:
        self._uow = in_unit_of_work

    async def changed_since(self, number: str, acquired_on: date) -> date | None:
        try:
            key = to_e164_jp(number)
        except InvalidPhoneNumber:
            return None  # the send itself reports the bad number

        async def look(uow: UnitOfWork) -> date | None:
            doc = await uow.get(COLLECTION.name, key)
            return date.fromisoformat(doc["changed_on"]) if doc else None

        changed_on = await self._uow(look)
        return changed_on if changed_on is not None and changed_on > acquired_on else None


@dataclass(frozen=True)
class NumberChange:
    number: str
    changed_on: date


class BadNumberFile(ValueError):
    pass


def parse(lines: Iterable[str]) -> list[NumberChange]:
    """Each line `number,YYYY-MM-DD`; a first line `number,changed_on` is a header."""
    changes, errors = [], []
    for line_no, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if line_no == 1 and row[0].strip().lower() in ("number", "phone", "電話番号"):
            continue
        if len(row) != 2:
            errors.append(f"line {line_no}: expected 2 columns (number,changed_on), got {len(row)}")
            continue
        try:
            number = to_e164_jp(row[0])
        except InvalidPhoneNumber:
            errors.append(f"line {line_no}: not a mobile number: {row[0].strip()!r}")
            continue
        try:
            changed_on = date.fromisoformat(row[1].strip())
        except ValueError:
            errors.append(f"line {line_no}: not a date (YYYY-MM-DD): {row[1].strip()!r}")
            continue
        changes.append(NumberChange(number, changed_on))
    if errors:
        raise BadNumberFile("\n".join(errors))
    return changes


async def store_changes(in_unit_of_work: InUnitOfWork, changes: list[NumberChange]) -> int:
    latest: dict[str, date] = {}
    for change in changes:
        latest[change.number] = max(change.changed_on, latest.get(change.number, date.min))

    async def write(uow: UnitOfWork) -> int:
        written = 0
        for number, changed_on in latest.items():
            doc = await uow.get(COLLECTION.name, number)
            if doc and date.fromisoformat(doc["changed_on"]) >= changed_on:
                continue
            uow.save(
                COLLECTION.name,
                {
                    "id": number,
                    "version": doc["version"] if doc else 0,
                    "changed_on": str(changed_on),
                },
            )
            written += 1
        await uow.commit()
        return written

    return await in_unit_of_work(write)


async def import_file(path: Path) -> int:
    from services.notify.handlers import COLLECTIONS

    text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    changes = parse(text.splitlines())
    store = open_store(get_settings().store, "notify", COLLECTIONS)
    await store.open()
    try:

        async def in_uow(work):  # type: ignore[no-untyped-def]
            async with store.unit_of_work() as uow:
                return await work(uow)

        return await store_changes(in_uow, changes)
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.notify.numbers")
    parser.add_argument("action", choices=["import"])
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        written = asyncio.run(import_file(args.file))
    except FileNotFoundError:
        print(f"no such file: {args.file}", file=sys.stderr)
        return 1
    except BadNumberFile as exc:
        print(f"{args.file}: nothing imported:\n{exc}", file=sys.stderr)
        return 1
    print(f"imported {written} number change(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
