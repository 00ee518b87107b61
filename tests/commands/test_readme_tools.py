"""The pages' commands of the ``tools`` group, as written: jupyterLab on copies of the
notebooks, the lock file, and the servers from Python; tests/doc_plans.py says what each
runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("tools")
