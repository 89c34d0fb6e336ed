"""Per-consumer data maps: find a consumer by any of their identifiers, show where their data lives and went."""
