"""Accounts: roles (Django groups), API tokens with scopes, and the append-only audit log."""
