"""The inventory: what each org holds (objects and fields), read from the lineage graph."""
