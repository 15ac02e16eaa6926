"""The Kubernetes manifests under deploy/k8s validate offline and say what running many
instances needs: probes, requests, shared secrets, a broker cluster, scaling rules.

Core kinds are checked against Kubernetes' own schemas (kubernetes-validate, strict: no
unknown field). It has no schema for the custom resources of the RabbitMQ Cluster
Operator and KEDA (RabbitmqCluster, ScaledObject, TriggerAuthentication), so those are
checked against the few fields of their published CRDs that these manifests use.
"""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.common.settings import Settings

K8S = Path(__file__).resolve().parents[3] / "deploy" / "k8s"
VERSION = "1.30"
SERVICES = ("gateway", "document", "signing", "seal", "notify", "webhooks")

CUSTOM: dict[tuple[str, str], dict[str, Any]] = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): {
        "replicas": int,
        "resources": dict,
        "persistence": dict,
        "rabbitmq": dict,
    },
    ("keda.sh/v1alpha1", "ScaledObject"): {
        "scaleTargetRef": dict,
        "minReplicaCount": int,
        "maxReplicaCount": int,
        "pollingInterval": int,
        "cooldownPeriod": int,
        "triggers": list,
    },
    ("keda.sh/v1alpha1", "TriggerAuthentication"): {"secretTargetRef": list},
}


def documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_manifest_validates_offline(doc: dict[str, Any]) -> None:
    custom = CUSTOM.get((doc["apiVersion"], doc["kind"]))
    if custom is None:
        kubernetes_validate.validate(doc, VERSION, strict=True)
        return
    assert set(doc) <= {"apiVersion", "kind", "metadata", "spec"}
    unknown = set(doc["spec"]) - set(custom)
    assert not unknown, f"fields this check does not know: {unknown}"
    for name, kind in custom.items():
        if name in doc["spec"]:
            assert isinstance(doc["spec"][name], kind), name


def test_every_service_runs_two_instances_with_probes_and_requests() -> None:
    deployments = by_kind("Deployment")
    assert set(deployments) == {f"shomei-{s}" for s in SERVICES}
    for name, deployment in deployments.items():
        assert deployment["spec"]["replicas"] >= 2, name
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"] and container["livenessProbe"], name
        assert container["resources"]["requests"].keys() >= {"cpu", "memory"}, name
        if name != "shomei-gateway":
            service = name.removeprefix("shomei-")
            for probe in ("readinessProbe", "livenessProbe"):
                command = container[probe]["exec"]["command"]
                assert command[-2:] == ["services.common.health", service], "this pod, not --any"


def test_each_service_pod_is_its_own_instance_so_its_probe_judges_it_alone() -> None:
    for name, deployment in by_kind("Deployment").items():
        if name == "shomei-gateway":
            continue  # its probe is HTTP, to the pod itself
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        [instance] = [e for e in container["env"] if e["name"] == "SHOMEI_INSTANCE_ID"]
        assert instance["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name", name


def test_no_instance_generates_its_own_keys_and_every_setting_is_known() -> None:
    [config] = by_kind("ConfigMap").values()
    assert config["data"]["SHOMEI_GENERATE_KEYS"] == "false"
    known = {f"SHOMEI_{name.upper()}" for name in Settings.model_fields}
    for deployment in by_kind("Deployment").values():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        names = {e["name"] for e in container["env"]} | set(config["data"])
        assert {n for n in names if n.startswith("SHOMEI_")} <= known
        assert "SHOMEI_ACCESS_CODE_KEY" in names
        urls = next(e["value"] for e in container["env"] if e["name"] == "SHOMEI_AMQP_URL")
        assert len(urls.split(",")) == 3  # each process fails over across the nodes
    document = by_kind("Deployment")["shomei-document"]["spec"]["template"]["spec"]
    assert any(
        v.get("secret", {}).get("secretName") == "shomei-platform-key" for v in document["volumes"]
    )


def test_gateway_scales_on_cpu_and_notify_on_its_queue() -> None:
    [hpa] = by_kind("HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "shomei-gateway"
    [scaled] = by_kind("ScaledObject").values()
    assert scaled["spec"]["scaleTargetRef"]["name"] == "shomei-notify"
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq" and trigger["metadata"]["queueName"] == "notify.send"
    [rabbit] = by_kind("RabbitmqCluster").values()
    assert rabbit["spec"]["replicas"] == 3
