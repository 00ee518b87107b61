"""The pages' commands of the ``external`` group, as written: bench's closed loop beside wrk
and Locust, for a couple of seconds each; tests/doc_plans.py says what each runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("external")
