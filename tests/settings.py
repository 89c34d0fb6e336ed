"""The suite's settings (and mypy's): the product's, in development mode unless the environment says
otherwise, as `make test` runs them; tests of the production settings start their own processes."""

import os

os.environ.setdefault("DEBUG", "true")

from catalog.settings import *  # noqa: F403
