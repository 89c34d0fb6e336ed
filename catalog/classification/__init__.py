"""Classification review: a privacy officer's overrides of a field's CCPA category and sensitivity."""
