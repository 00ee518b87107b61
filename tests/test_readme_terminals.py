"""The pages' commands of the ``terminals`` group, as written: the article's two terminals, its
%time lines, and servers on other hosts; tests/doc_plans.py says what each runs and checks."""

from .doc_plans import group_tests

scratch, test_command = group_tests("terminals")
