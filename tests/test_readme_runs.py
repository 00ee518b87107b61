"""The pages' commands of the ``runs`` group, as written: one smoke run made by make, and the
reports of the newest run, reading that one; tests/doc_plans.py says what each runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("runs")
