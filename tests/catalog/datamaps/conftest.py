"""The data maps' tests: the demo org harvested whole once a session (the records' fixture), and the look-up's
identifiers of its named consumers."""

from tests.catalog.records.conftest import demo  # noqa: F401 - the demo org harvested with its purposes
