"""The pages' commands of the ``production`` group, as written: every framework behind the
production servers; tests/doc_plans.py says what each runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("production")
