"""The pages' commands of the ``tools`` group, as written: jupyterLab on copies of the
notebooks, the lock file, and the servers from Python; tests/doc_plans.py says what each
runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("tools")
