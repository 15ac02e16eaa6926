"""The AsyncAPI documents under docs/asyncapi/ are the ones FastStream generates now."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_committed_asyncapi_documents_are_up_to_date(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOMEI_")}
    env["SHOMEI_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "deploy.asyncapi", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
