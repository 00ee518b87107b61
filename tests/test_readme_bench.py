"""The pages' commands of the ``bench`` group, as written: one smoke run made by bench itself,
for the presets whose grids the smoke preset holds and for the reports of a run by its path
and as JSON; bench's help and docs commands; tests/doc_plans.py says what each runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("bench")
