"""The pages' commands of the ``terminals`` group, as written: the article's two terminals, its
%time lines, and servers on other hosts; tests/doc_plans.py says what each runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("terminals")
