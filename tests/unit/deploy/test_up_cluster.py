"""`./run up --cluster`: three RabbitMQ nodes on consecutive ports, one cookie, one epmd,
and every process given all three."""

import signal
from pathlib import Path

from deploy.local.cluster import RabbitCluster
from deploy.local.up import UpConfig, main


def test_cluster_setting_makes_three_nodes_on_consecutive_ports(tmp_path: Path) -> None:
    config = UpConfig.from_env(
        {"SHOMEI_VAR_DIR": str(tmp_path), "SHOMEI_CLUSTER": "3", "SHOMEI_AMQP_PORT": "6100"}
    )
    cluster = config.rabbit_node()
    assert isinstance(cluster, RabbitCluster)
    assert [n.amqp_port for n in cluster.nodes] == [6100, 6101, 6102]
    assert len({n.cookie for n in cluster.nodes}) == 1
    assert {n.epmd_port for n in cluster.nodes} == {config.settings.epmd_port}
    assert cluster.amqp_url.count("amqp://") == 3
    ports = [port for _, _, _, port in config.ports()]
    assert {6100, 6101, 6102} <= set(ports)


def test_up_refuses_an_unknown_option() -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert main(["--clustr"]) == 2
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
