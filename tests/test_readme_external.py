"""The pages' commands of the ``external`` group, as written: bench's closed loop beside wrk
and Locust, for a couple of seconds each; tests/doc_plans.py says what each runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("external")
