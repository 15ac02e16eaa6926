"""docker-compose.yml is valid for docker-compose itself and wires every service to
MongoDB and RabbitMQ, with notification workers scaled out.

No Docker engine runs here; `docker-compose config` (Debian's 1.29, installed by
`./run test`) still validates and resolves the file.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHOMEI = ("document", "signing", "seal", "notify", "webhooks", "gateway")

# docker-compose prints YAML; the interpreter docker-compose runs on has PyYAML (its own
# dependency), while our venv does not, so that interpreter turns it into JSON.
TO_JSON = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"


def compose_interpreter(binary: str) -> str | None:
    with open(binary, "rb") as f:
        first = f.readline()
    if not first.startswith(b"#!"):
        return None
    parts = first[2:].decode().split()
    return " ".join(parts) if parts else None


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing: ./run test installs Debian's docker-compose"
    rendered = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},  # no SHOMEI_* from the caller leaks into the file
    )
    assert rendered.returncode == 0, rendered.stderr
    interpreter = compose_interpreter(binary)
    assert interpreter, f"{binary} is not a Python script; cannot read its YAML"
    as_json = subprocess.run(
        [*interpreter.split(), "-c", TO_JSON],
        input=rendered.stdout,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert as_json.returncode == 0, as_json.stderr
    return json.loads(as_json.stdout)


def test_every_process_is_there(config: dict[str, Any]) -> None:
    assert set(SHOMEI) | {"rabbitmq", "mongo", "catcher"} <= set(config["services"])


def test_notify_scales_out(config: dict[str, Any]) -> None:
    assert config["services"]["notify"]["deploy"]["replicas"] > 1


def test_every_service_uses_mongodb_and_rabbitmq(config: dict[str, Any]) -> None:
    for name in SHOMEI:
        service = config["services"][name]
        env = service["environment"]
        assert env["SHOMEI_STORE"].startswith("mongodb://"), name
        assert "replicaSet=rs0" in env["SHOMEI_STORE"], name
        assert env["SHOMEI_AMQP_URL"].startswith("amqp://"), name
        assert service["depends_on"]["mongo"]["condition"] == "service_healthy", name
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy", name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name


def test_every_service_is_probed_by_its_own_health_query(config: dict[str, Any]) -> None:
    for name in SHOMEI:
        check = config["services"][name]["healthcheck"]
        if name == "gateway":
            assert "/healthz" in " ".join(check["test"])
        else:
            assert check["test"] == ["CMD", "python", "-m", "services.common.health", name]
        assert check["interval"] and check["timeout"] and check["retries"]


def test_mongo_is_a_replica_set_that_initiates_itself(config: dict[str, Any]) -> None:
    mongo = config["services"]["mongo"]
    assert mongo["image"].startswith("mongo:8")
    assert "--replSet" in mongo["command"] and "rs0" in mongo["command"]
    assert "rs.initiate" in " ".join(mongo["healthcheck"]["test"])


def test_gateway_keeps_its_var_in_a_named_volume(config: dict[str, Any]) -> None:
    gateway = config["services"]["gateway"]
    assert any(v.startswith("gateway-var:/app/var") for v in gateway["volumes"])
    assert "gateway-var" in config["volumes"]
    assert gateway["environment"]["SHOMEI_GATEWAY_HOST"] == "0.0.0.0"


def test_signing_keeps_its_access_code_key_in_a_named_volume(config: dict[str, Any]) -> None:
    signing = config["services"]["signing"]
    assert any(v.startswith("signing-var:/app/var") for v in signing["volumes"])
    assert "signing-var" in config["volumes"]
