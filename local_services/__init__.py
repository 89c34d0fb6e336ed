"""Local Neo4j and Redis for development, tests and the demo (production uses docker/)."""

from local_services.neo4j_engine import Neo4jEngine
from local_services.process import ServiceError, ServiceState
from local_services.redis_server import RedisServer

__all__ = ["Neo4jEngine", "RedisServer", "ServiceError", "ServiceState"]
