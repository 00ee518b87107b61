"""The pages' commands of the ``runs`` group, as written: one smoke run made by make, and the
reports of the newest run, reading that one; tests/doc_plans.py says what each runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("runs")
