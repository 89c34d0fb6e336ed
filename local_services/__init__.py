"""Local Neo4j, Redis and a Celery worker for development, tests and the demo (production uses docker/)."""

from local_services.celery_worker import CeleryWorker
from local_services.neo4j_engine import Neo4jEngine
from local_services.process import ServiceError, ServiceState
from local_services.redis_server import RedisServer
from local_services.settings import LocalSettings, from_environment
from local_services.simulator_process import SimulatorProcess

__all__ = [
    "CeleryWorker",
    "LocalSettings",
    "Neo4jEngine",
    "RedisServer",
    "ServiceError",
    "ServiceState",
    "SimulatorProcess",
    "from_environment",
]
