"""The pages' commands of the ``bench`` group, as written: the smoke run (made by ``make run``,
which runs ``python -m bench run --preset smoke --out data/runs``) for the presets whose grids
the smoke preset holds and for the reports of a run by its path and as JSON; bench's help and
docs commands; tests/doc_plans.py says what each runs and checks."""

import pytest

from tests.doc_plans import group_tests

#: Every command of the pages is slow (make test-fast does not import this file).
pytestmark = pytest.mark.slow

scratch, test_command = group_tests("bench")
