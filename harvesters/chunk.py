"""What every source yields: a chunk of records that lands in the graph in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from lineage import EdgeRecord, NodeRecord


@dataclass
class Chunk:
    """Nodes and edges of one unit of work, what could not be read (errors) and what was left out or read as
    empty on purpose (warnings); both are reported on the run."""

    nodes: list[NodeRecord] = field(default_factory=list)
    edges: list[EdgeRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
