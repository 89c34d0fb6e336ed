"""The catalog's read Cypher, one module per domain, each returning typed rows, depth- and size-bounded."""
