"""The pages' commands of the ``yourapp`` group, as written: your own app behind two servers
each, loaded with ``bench load --url``, and what is refused; tests/doc_plans.py says what each
runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("yourapp")
