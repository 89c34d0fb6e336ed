"""The REST API (version 1): what DSAR tooling and auditors' scripts read; OpenAPI at /api/schema/."""
