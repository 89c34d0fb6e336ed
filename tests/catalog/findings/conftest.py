"""The findings' tests: the demo org harvested whole once a session (the records' fixture), and people in roles."""

from tests.catalog.records.conftest import demo, harvested_twice_setup  # noqa: F401 - the records' fixtures
