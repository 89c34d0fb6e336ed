"""Findings: where the CCPA/CPRA controls break, kept with evidence, exposure and a lifecycle.

The rules are data and Cypher in `lineage/rules/`; `services` evaluates them over an org's graph after each harvest
and is the one way in to a finding's state; `api` serves them to DSAR tooling and auditors.
"""
