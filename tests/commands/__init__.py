"""Every command the README and docs/ show, run as written (a file a group of tests/doc_plans.py)."""
