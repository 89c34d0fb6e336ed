"""Records of processing activities: generated from the graph with their evidence, completed by privacy officers."""
