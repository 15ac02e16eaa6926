"""Writes the AsyncAPI document of each service, as FastStream generates it, to docs/asyncapi/.

./run python -m deploy.asyncapi          # write
./run python -m deploy.asyncapi --check  # exit 1 when the committed docs are stale
"""

import argparse
import importlib
import json
import sys
from pathlib import Path

from faststream.specification import AsyncAPI

SERVICES = ("document", "signing", "seal", "notify", "webhooks")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "asyncapi"


def document(service: str) -> str:
    runtime = importlib.import_module(f"services.{service}.app").runtime
    spec = AsyncAPI(
        runtime.broker,
        title=f"Shomei {service} service",
        version="1",
        description=f"Events the {service} service consumes and the queries it answers.",
    )
    schema = json.loads(spec.to_specification().to_json())
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.asyncapi")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for service in SERVICES:
        path = DOCS / f"{service}.json"
        text = document(service)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale AsyncAPI documents (run ./run python -m deploy.asyncapi):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
