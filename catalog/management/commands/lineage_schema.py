from typing import Any

from django.core.management.base import BaseCommand, CommandError
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from lineage import bootstrap_schema, get_graph


class Command(BaseCommand):
    help = "Create the lineage graph's constraints and indexes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = bootstrap_schema(get_graph())
        except (ServiceUnavailable, Neo4jError, OSError) as error:
            raise CommandError(f"Neo4j is not reachable or refused the schema: {error}") from error
        self.stdout.write(
            f"graph schema: {len(report.created)} created, {len(report.existing)} already present"
        )
        for name in report.created:
            self.stdout.write(f"  created {name}")
