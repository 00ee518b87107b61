"""The pages' commands of the ``advise`` group, as written: bench advise on examples of
different kinds, a bad spec, and ``advise(fn)`` from Python. tests/doc_plans.py says what each
runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("advise")
