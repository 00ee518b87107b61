"""The pages' commands of the ``accuracy`` group, as written: bench advise through Flask and
FastAPI, and the record of the advice model's accuracy. tests/doc_plans.py says what each runs
and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("accuracy")
