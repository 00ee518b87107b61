"""The pages' commands of the ``load`` group, as written: the load runs, at the smoke load
preset; tests/doc_plans.py says what each runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("load")
