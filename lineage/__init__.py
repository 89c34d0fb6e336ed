"""Everything Neo4j: the driver's lifecycle, the graph vocabulary, the schema, writers and read queries.

Only this package writes Cypher. It imports neither `harvesters` nor `catalog`.
"""

from lineage.graph import Graph, GraphConfig, close_graph, get_graph
from lineage.schema import SchemaReport, bootstrap_schema
from lineage.vocabulary import Label, Rel

__all__ = [
    "Graph",
    "GraphConfig",
    "Label",
    "Rel",
    "SchemaReport",
    "bootstrap_schema",
    "close_graph",
    "get_graph",
]
