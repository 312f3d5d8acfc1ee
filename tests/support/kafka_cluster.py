"""A three-broker Kafka cluster (KRaft) as plain processes, for tests that lose a broker.

It runs the same Kafka distribution `deploy/local/infra.sh` installed from Maven Central
(`.tools/kafka-<version>/libs`), with the same log4j configuration, but three nodes that are
each broker and controller (a quorum of three voters survives one loss), on free ports, with
data under `.state/test/kafka-cluster/`. Topics replicate three times with
`min.insync.replicas=2`, the internal ones (offsets, transactions) too, so an `acks=all`
write still succeeds while one broker is down. Brokers notice a dead peer within seconds
(short heartbeats), so leadership moves quickly.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support.ports import free_port
from support.servers import ROOT, TEST_STATE

LOCAL = ROOT / "deploy" / "local"
LOG4J = LOCAL / "kafka" / "log4j2.properties"
CLUSTER_STATE = TEST_STATE / "kafka-cluster"
# Small heaps: three JVMs beside the test servers and the services on one small machine.
HEAP = os.environ.get("KAFKA_HEAP_OPTS", "-Xms128m -Xmx384m").split()
START_TIMEOUT_S = 90.0

_NODE_CONFIG = """\
process.roles=broker,controller
node.id={node_id}
controller.quorum.voters={voters}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
# A killed broker is fenced (and leaves every ISR) after 4 s instead of 9 s.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=4000
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=2
log.segment.bytes=16777216
"""


def kafka_libs() -> Path:
    """The libs folder infra.sh installed, for the version it is configured with."""
    common = (LOCAL / "lib" / "common.sh").read_text()
    default = re.search(r"DVIKA_KAFKA_VERSION:-([0-9.]+)", common)
    version = os.environ.get("DVIKA_KAFKA_VERSION") or (default.group(1) if default else "")
    libs = ROOT / ".tools" / f"kafka-{version}" / "libs"
    if not (libs.parent / ".complete").exists():
        raise FileNotFoundError(f"Kafka {version} is not installed in {libs} (infra.sh install)")
    return libs


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return str(Path(home, "bin", "java"))
    found = shutil.which("java")
    if found is None:
        raise FileNotFoundError("java not found (Kafka needs Java 17+)")
    return found


@dataclass
class Broker:
    node_id: int
    port: int
    controller_port: int
    home: Path
    process: subprocess.Popen[bytes] | None = None
    _log_offset: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    @property
    def log(self) -> Path:
        return self.home / "logs" / "kafka-server.log"

    @property
    def out(self) -> Path:
        return self.home / "logs" / "kafka.out"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self, libs: Path) -> None:
        """Start the JVM without waiting (the three boot in parallel); see `wait_started`."""
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.out.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    java(),
                    *HEAP,
                    "-XX:+UseG1GC",
                    "-XX:MaxGCPauseMillis=20",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-Djava.awt.headless=true",
                    f"-Dkafka.logs.dir={self.home / 'logs'}",
                    f"-Dlog4j2.configurationFile={LOG4J}",
                    "-cp",
                    f"{libs}/*",
                    "kafka.Kafka",
                    str(self.config),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def wait_started(self, deadline: float) -> None:
        """Until this start logged "Kafka Server started" (unfenced, serving requests)."""
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"broker {self.node_id} exited: {self.tail()}")
            if self.log.exists():
                with self.log.open("rb") as log:
                    log.seek(self._log_offset)
                    if b"Kafka Server started" in log.read():
                        return
            time.sleep(0.2)
        raise RuntimeError(f"broker {self.node_id} not started in time: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no controlled shutdown, no leadership handed over — a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 20) -> str:
        texts = [p.read_text(errors="replace") for p in (self.out, self.log) if p.exists()]
        return "\n".join("\n".join(t.splitlines()[-lines:]) for t in texts)


@dataclass
class KafkaCluster:
    brokers: list[Broker]
    libs: Path = field(default_factory=kafka_libs)

    @property
    def bootstrap(self) -> str:
        return ",".join(b.address for b in self.brokers)

    def broker(self, node_id: int) -> Broker:
        return next(b for b in self.brokers if b.node_id == node_id)

    def start(self) -> None:
        for broker in self.brokers:
            broker.launch(self.libs)
        deadline = time.monotonic() + START_TIMEOUT_S
        for broker in self.brokers:
            broker.wait_started(deadline)

    def restart(self, broker: Broker) -> None:
        """Bring a killed broker back on its own data: it recovers its log and catches up."""
        broker.launch(self.libs)
        broker.wait_started(time.monotonic() + START_TIMEOUT_S)

    def stop(self) -> None:
        for broker in self.brokers:
            if broker.running:
                assert broker.process is not None
                broker.process.terminate()
        for broker in self.brokers:
            broker.stop()


def _cluster_id() -> str:
    # Kafka's Uuid string form: 16 random bytes, URL-safe base64 without padding, no leading -.
    while True:
        text = urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _format(libs: Path, broker: Broker, cluster_id: str) -> None:
    (broker.home / "logs").mkdir(parents=True, exist_ok=True)
    formatted = subprocess.run(
        [
            java(),
            "-Xmx256m",
            f"-Dkafka.logs.dir={broker.home / 'logs'}",
            f"-Dlog4j2.configurationFile={LOG4J}",
            "-cp",
            f"{libs}/*",
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(broker.config),
        ],
        capture_output=True,
        text=True,
    )
    if formatted.returncode != 0:
        raise RuntimeError(f"formatting broker {broker.node_id} failed: {formatted.stderr}")


@contextmanager
def kafka_cluster(size: int = 3) -> Iterator[KafkaCluster]:
    """Format and start `size` brokers on fresh data; stop them and remove the data after."""
    libs = kafka_libs()
    shutil.rmtree(CLUSTER_STATE, ignore_errors=True)
    brokers = [
        Broker(node_id, free_port(), free_port(), CLUSTER_STATE / f"node-{node_id}")
        for node_id in range(1, size + 1)
    ]
    voters = ",".join(f"{b.node_id}@127.0.0.1:{b.controller_port}" for b in brokers)
    cluster_id = _cluster_id()
    for broker in brokers:
        broker.home.mkdir(parents=True)
        broker.config.write_text(
            _NODE_CONFIG.format(
                node_id=broker.node_id,
                voters=voters,
                port=broker.port,
                controller_port=broker.controller_port,
                data=broker.home / "data",
            )
        )
    # One JVM per format; three in parallel is no faster on two cores, so one at a time.
    for broker in brokers:
        _format(libs, broker, cluster_id)
    cluster = KafkaCluster(brokers, libs)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if os.environ.get("DVIKA_KEEP_TEST_SERVERS") != "1":
            shutil.rmtree(CLUSTER_STATE, ignore_errors=True)
