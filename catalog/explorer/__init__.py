"""The lineage explorer: a node's upstream and downstream paths as a graph and a table, and its API."""
