"""The catalog's exports: the field inventory and the systems with the integrations reaching them, as CSV, audited."""
