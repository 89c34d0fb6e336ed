"""The suite's settings (and mypy's): the product's, in development mode unless the environment says
otherwise, as `make test` runs them; tests of the production settings start their own processes."""

import os

os.environ.setdefault("DEBUG", "true")
# The suite's harvests test the graph; the records' tests of regeneration turn it on (workers inherit this).
os.environ.setdefault("RECORDS_REGENERATE_AFTER_HARVEST", "false")

from catalog.settings import *  # noqa: F403

# The suite creates and logs in hundreds of users: the product's password hasher (PBKDF2, a million rounds, made to
# be slow) cost seconds a test. Passwords here guard nothing; the production settings keep Django's hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
