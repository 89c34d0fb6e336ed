"""Harvesters: read Salesforce orgs and integration manifests into typed records for `lineage/`."""
