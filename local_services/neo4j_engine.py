"""A local Neo4j Community engine: official jars fetched with Maven, Bolt on loopback, auth on."""

from __future__ import annotations

import os
import shutil
import subprocess

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from local_services.process import LocalProcess, ServiceError, ServiceState, port_is_open, wait_until
from local_services.settings import LAUNCHER_DIR, LocalSettings

LAUNCHER_CLASS = "recordkeeper.LocalNeo4j"
# Neo4j reaches into NIO internals; Java 17 closes them unless opened explicitly.
JAVA_17_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
)


class Neo4jEngine(LocalProcess):
    name = "neo4j"
    title = "Neo4j"
    stop_grace_s = 60.0
    start_timeout_s = 180.0

    def __init__(self, settings: LocalSettings) -> None:
        super().__init__(settings.state_dir / "neo4j")
        self.settings = settings

    @property
    def address(self) -> str:
        return f"bolt://127.0.0.1:{self.settings.neo4j_port}"

    def install(self) -> None:
        """Fetch the official jars with Maven and compile the launcher, once per Neo4j version."""
        jar_dir = self.settings.jar_dir
        if (jar_dir / ".complete").exists():
            return
        for tool in ("mvn", "javac", "java"):
            if shutil.which(tool) is None:
                raise ServiceError(f"{tool} not found: the local Neo4j needs JDK 17 and Maven on PATH")
        lib = jar_dir / "lib"
        shutil.rmtree(jar_dir, ignore_errors=True)
        lib.mkdir(parents=True)
        _run(["mvn", "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "dependency:copy-dependencies",
              f"-DoutputDirectory={lib}"], "fetching the Neo4j jars with Maven")
        sources = [str(p) for p in (LAUNCHER_DIR / "src").rglob("*.java")]
        _run(["javac", "-cp", f"{lib}/*", "-d", str(jar_dir / "classes"), *sources],
             "compiling the Neo4j launcher")
        (jar_dir / ".complete").write_text("ok\n")

    def start(self) -> ServiceState:
        pid = self.pid_file.read_live_pid()
        if pid is not None:
            if not wait_until(self.answers, timeout=self.start_timeout_s, alive=lambda: True):
                raise ServiceError(f"Neo4j (pid {pid}) runs but does not answer on {self.address}")
            return ServiceState.ALREADY_RUNNING
        self.refuse_busy_port(self.settings.neo4j_port, "NEO4J_URI")
        self.install()
        # The launcher says "ready" once the password is set; Bolt opens before that.
        self.launch(self._command(), lambda offset: self.logged_since(offset, b"LocalNeo4j ready") and self.answers(),
                    env={**os.environ, "NEO4J_PASSWORD": self.settings.neo4j_password})
        return ServiceState.STARTED

    def answers(self) -> bool:
        """True when a driver session can run a query with the configured credentials."""
        if not port_is_open("127.0.0.1", self.settings.neo4j_port):
            return False
        auth = ("neo4j", self.settings.neo4j_password)
        try:
            with (GraphDatabase.driver(self.address, auth=auth, connection_timeout=2) as driver,
                  driver.session(database="system") as session):
                session.run("SHOW DEFAULT DATABASE").consume()
        except AuthError as error:
            raise ServiceError(f"Neo4j on {self.address} rejects NEO4J_PASSWORD: {error.message}") from error
        except (ServiceUnavailable, Neo4jError, OSError):
            return False
        return True

    def _command(self) -> list[str]:
        jar_dir = self.settings.jar_dir
        heap = self.settings.neo4j_heap_mb
        return [
            "java", f"-Xms{min(256, heap)}m", f"-Xmx{heap}m", *JAVA_17_FLAGS,
            "-cp", f"{jar_dir / 'classes'}:{jar_dir / 'lib'}/*", LAUNCHER_CLASS,
            str(self.home / "dbms"), str(self.settings.neo4j_port), str(self.settings.neo4j_pagecache_mb),
        ]


def _run(command: list[str], doing: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-3000:]
        raise ServiceError(f"{doing} failed (exit {result.returncode}):\n{output}")

