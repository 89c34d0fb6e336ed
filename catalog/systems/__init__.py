"""Systems outside the orgs and the integrations that reach them, read from the lineage graph."""
