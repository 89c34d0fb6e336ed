"""The suite's settings (and mypy's): the product's, in development mode unless the environment says
otherwise, as `make test` runs them; tests of the production settings start their own processes."""

import os

from local_services.settings import for_test_worker

os.environ.setdefault("DEBUG", "true")
# The suite's harvests test the graph; the records' tests of regeneration turn it on (workers inherit this).
os.environ.setdefault("RECORDS_REGENERATE_AFTER_HARVEST", "false")
os.environ.setdefault("FINDINGS_EVALUATE_AFTER_HARVEST", "false")  # the findings' own tests evaluate, or turn it on
# Under pytest-xdist (`make test` runs TEST_WORKERS processes), each process uses its own engine and Redis server.
# The processes a test starts (Celery workers, gunicorn) inherit the shifted environment and the worker's name and
# read these settings again: the mark keeps them on their parent's services instead of shifting a second time.
SHIFTED_FOR_TEST_WORKER = "RECORDKEEPER_SHIFTED_FOR_TEST_WORKER"
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get(SHIFTED_FOR_TEST_WORKER) != _worker:
    os.environ.update(for_test_worker(os.environ, int(_worker.removeprefix("gw"))))
    os.environ[SHIFTED_FOR_TEST_WORKER] = _worker

from catalog.settings import *  # noqa: E402, F403  # read after the environment above is set

# The suite creates and logs in hundreds of users: the product's password hasher (PBKDF2, a million rounds, made to
# be slow) cost seconds a test. Passwords here guard nothing; the production settings keep Django's hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
