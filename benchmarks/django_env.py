"""Django as the harvesting benchmarks run it: development settings over a throw-away SQLite database.

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.django_env import prepared_graph, set_up_django
    set_up_django("harvest-benchmark")   # before anything imports a model
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lineage import Graph


def set_up_django(name: str) -> None:
    """Point Django at a new SQLite database (a benchmark never touches the developer's) and set it up."""
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix=f'{name}-')}/db.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")
    os.environ.setdefault("DEBUG", "true")  # a benchmark runs in development mode (DEBUG is off unless set)
    # A harvest's figures are the harvest's own: the record it then stores is timed by benchmarks/records.py.
    os.environ.setdefault("RECORDS_REGENERATE_AFTER_HARVEST", "false")
    import django

    django.setup()


def prepared_graph() -> Graph:
    """The database migrated and the graph's constraints in place (NEO4J_* as for the app): the graph."""
    from django.core.management import call_command

    from lineage import bootstrap_schema, get_graph

    call_command("migrate", verbosity=0)
    graph = get_graph()
    bootstrap_schema(graph)
    return graph
