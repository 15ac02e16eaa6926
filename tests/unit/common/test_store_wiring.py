"""The wiring around the store: engine selection by URL, and the MongoDB test server."""

import subprocess
import sys
from pathlib import Path

import pytest

from services.common.store import Collection, open_store
from services.common.store.mongo import MongoStore
from services.common.store.sqlite import SqliteStore

COLLECTIONS = (Collection("contracts", indexed=("status",)),)


def test_the_wire_server_serves_other_processes_while_this_loop_is_blocked(
    mongo_url: str,
) -> None:
    """End-to-end tests run services as subprocesses against this server."""
    script = (
        "import sys; from pymongo import MongoClient\n"
        "c = MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)\n"
        "c.harness.probe.insert_one({'_id': 'p'})\n"
        "print(c.harness.probe.count_documents({}))\n"
    )
    done = subprocess.run(  # blocking on purpose: the server must not need this loop
        [sys.executable, "-c", script, mongo_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "1"


def test_open_store_picks_the_engine_from_the_url(tmp_path: Path) -> None:
    sqlite_store = open_store(f"sqlite:///{tmp_path}", "signing", COLLECTIONS)
    assert isinstance(sqlite_store, SqliteStore)
    assert sqlite_store.path == tmp_path / "signing.sqlite3"
    assert isinstance(open_store("mongodb://127.0.0.1:1/", "signing", COLLECTIONS), MongoStore)
    with pytest.raises(ValueError):
        open_store("postgres://x", "signing", COLLECTIONS)


@pytest.mark.parametrize("name", ["outbox", "processed_events"])
def test_engines_refuse_collection_names_they_use_themselves(name: str, tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path}", "mongodb://127.0.0.1:1/"):
        with pytest.raises(ValueError):
            open_store(url, "signing", (Collection(name),))
