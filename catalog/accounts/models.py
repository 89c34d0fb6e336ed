"""Accounts' models: API token scopes and the audit log."""
