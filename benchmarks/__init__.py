"""One command each, printing JSON figures (see README.md)."""
